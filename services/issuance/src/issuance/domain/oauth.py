"""What the two OAuth 2.0 surfaces (the OB 3.0 API's authorization server and the
OpenID4VCI token endpoint) share: one error answer and one form parser."""

from __future__ import annotations

from urllib.parse import parse_qs


class OAuthError(Exception):
    """An RFC 6749 / OpenID4VCI error answer: ``error`` code, description, HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        self.error, self.description, self.status = error, description, status
        super().__init__(f"{error}: {description}")


def parse_form(body: bytes) -> dict[str, str]:
    """An x-www-form-urlencoded body; each parameter at most once, blank ones dropped."""
    try:
        parsed = parse_qs(body.decode(), keep_blank_values=False)
    except UnicodeDecodeError:
        raise OAuthError("invalid_request", "the form is not UTF-8") from None
    if any(len(values) != 1 for values in parsed.values()):
        raise OAuthError("invalid_request", "each parameter at most once")
    return {name: values[0] for name, values in parsed.items()}
