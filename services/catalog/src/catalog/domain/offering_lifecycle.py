"""The offering state machine: draft -> published (new versions) -> retired."""

from __future__ import annotations

from enum import StrEnum

from catalog.domain.violations import TransitionRefused


class OfferingStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class EditKind(StrEnum):
    DRAFT_EDIT = "draft_edit"
    NEW_VERSION = "new_version"


def publish(status: OfferingStatus, version: int) -> int:
    """The version number the first publication gets."""
    if status is OfferingStatus.PUBLISHED:
        raise TransitionRefused("already_published", "the offering is already published")
    if status is OfferingStatus.RETIRED:
        raise TransitionRefused("retired", "a retired offering cannot be published again")
    return version + 1


def edit(status: OfferingStatus) -> EditKind:
    """Editing a draft changes it in place; editing a published offering makes a new
    version, so earlier buyers keep the version they bought."""
    if status is OfferingStatus.DRAFT:
        return EditKind.DRAFT_EDIT
    if status is OfferingStatus.PUBLISHED:
        return EditKind.NEW_VERSION
    raise TransitionRefused("retired", "a retired offering cannot be changed")


def retire(status: OfferingStatus) -> OfferingStatus:
    if status is OfferingStatus.DRAFT:
        raise TransitionRefused(
            "not_published", "a draft cannot be retired; it was never published"
        )
    if status is OfferingStatus.RETIRED:
        raise TransitionRefused("already_retired", "the offering is already retired")
    return OfferingStatus.RETIRED
