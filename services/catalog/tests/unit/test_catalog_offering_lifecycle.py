import pytest
from catalog.domain.offering_lifecycle import EditKind, OfferingStatus, edit, publish, retire
from catalog.domain.violations import TransitionRefused


def test_publishing_a_draft_gives_version_one() -> None:
    assert publish(OfferingStatus.DRAFT, 0) == 1


@pytest.mark.parametrize(
    ("status", "code"),
    [(OfferingStatus.PUBLISHED, "already_published"), (OfferingStatus.RETIRED, "retired")],
)
def test_publishing_refused(status: OfferingStatus, code: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        publish(status, 1)
    assert refused.value.code == code


def test_editing_a_draft_changes_it_in_place() -> None:
    assert edit(OfferingStatus.DRAFT) is EditKind.DRAFT_EDIT


def test_editing_a_published_offering_makes_a_new_version() -> None:
    assert edit(OfferingStatus.PUBLISHED) is EditKind.NEW_VERSION


def test_editing_a_retired_offering_is_refused() -> None:
    with pytest.raises(TransitionRefused) as refused:
        edit(OfferingStatus.RETIRED)
    assert refused.value.code == "retired"


def test_retiring_a_published_offering() -> None:
    assert retire(OfferingStatus.PUBLISHED) is OfferingStatus.RETIRED


@pytest.mark.parametrize(
    ("status", "code"),
    [(OfferingStatus.DRAFT, "not_published"), (OfferingStatus.RETIRED, "already_retired")],
)
def test_retiring_refused(status: OfferingStatus, code: str) -> None:
    with pytest.raises(TransitionRefused) as refused:
        retire(status)
    assert refused.value.code == code
