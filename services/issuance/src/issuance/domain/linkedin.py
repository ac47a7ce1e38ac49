"""LinkedIn's "Add to profile" link for a certification (a pure URL rule, no I/O)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def add_to_profile_url(
    *,
    certification_name: str,
    organization_name: str,
    issued_at: datetime,
    valid_until: datetime | None,
    certificate_url: str,
    certificate_id: str,
) -> str:
    """The link LinkedIn documents for pre-filling a Licenses & Certifications entry."""
    params: dict[str, str | int] = {
        "startTask": "CERTIFICATION_NAME",
        "name": certification_name,
        "organizationName": organization_name,
        "issueYear": issued_at.year,
        "issueMonth": issued_at.month,
    }
    if valid_until is not None:
        params["expirationYear"] = valid_until.year
        params["expirationMonth"] = valid_until.month
    params["certUrl"] = certificate_url
    params["certId"] = certificate_id
    return f"{ADD_TO_PROFILE}?{urlencode(params)}"
