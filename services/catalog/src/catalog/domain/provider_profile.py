"""A provider's public profile and the rules it follows."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.domain.text_rules import check_email, check_text, check_url
from catalog.domain.violations import Violation

MAX_NAME = 200
MAX_DESCRIPTION = 5_000


@dataclass(frozen=True)
class ProviderProfile:
    name: str
    contact_email: str
    website: str | None = None
    description: str | None = None
    logo_url: str | None = None


def check_profile(profile: ProviderProfile) -> list[Violation]:
    out = check_text("name", profile.name, max_length=MAX_NAME)
    out += check_email("contact_email", profile.contact_email)
    if profile.website is not None:
        out += check_url("website", profile.website)
    if profile.logo_url is not None:
        out += check_url("logo_url", profile.logo_url)
    if profile.description is not None:
        out += check_text("description", profile.description, max_length=MAX_DESCRIPTION)
    return out
