from typing import Any

import pytest
from catalog.domain.provider_profile import ProviderProfile, check_profile


def profile(**changes: object) -> ProviderProfile:
    base: dict[str, Any] = {
        "name": "Example Academy",
        "contact_email": "courses@academy.example",
        "website": "https://academy.example",
        "description": "Short courses.",
        "logo_url": "https://academy.example/logo.png",
    }
    return ProviderProfile(**{**base, **changes})


def test_a_full_profile_is_valid() -> None:
    assert check_profile(profile()) == []


def test_optional_fields_may_be_absent() -> None:
    assert check_profile(profile(website=None, description=None, logo_url=None)) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"contact_email": "nobody"}, "contact_email"),
        ({"contact_email": "a b@c"}, "contact_email"),
        ({"contact_email": "desk@academy.example\n"}, "contact_email"),
        ({"website": "https://academy.example\n"}, "website"),
        ({"website": "academy.example"}, "website"),
        ({"logo_url": "javascript:alert(1)"}, "logo_url"),
        ({"description": "d" * 5001}, "description"),
        ({"description": "\x00"}, "description"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, Any], field: str) -> None:
    assert [v.field for v in check_profile(profile(**change))] == [field]
