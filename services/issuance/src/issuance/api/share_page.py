"""The public, human-readable page of a credential (escaped: every value is untrusted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from issuance.domain.credential_state import CredentialState

_STATE_TEXT = {
    CredentialState.VALID: "Valid",
    CredentialState.REVOKED: "Revoked",
    CredentialState.EXPIRED: "Expired",
}


@dataclass(frozen=True)
class SharePage:
    holder_name: str | None
    achievement_name: str
    achievement_description: str | None
    issuer_name: str
    issued_at: datetime
    valid_until: datetime | None
    state: CredentialState
    credential_url: str
    issuer_url: str
    share_url: str
    badge_png_url: str
    badge_svg_url: str
    linkedin_url: str


def _open_graph(page: SharePage, holder: str) -> str:
    """The card social sites show when the page is shared (Open Graph protocol)."""
    tags = {
        "og:type": "website",
        "og:title": f"{page.achievement_name} · {page.issuer_name}",
        "og:description": f"Awarded to {holder} by {page.issuer_name}.",
        "og:url": page.share_url,
        "og:image": page.badge_png_url,
        "og:image:width": "512",
        "og:image:height": "512",
        "og:image:alt": page.achievement_name,
    }
    metas = [f'<meta property="{name}" content="{escape(value)}">' for name, value in tags.items()]
    metas.append('<meta name="twitter:card" content="summary">')
    return "\n".join(metas)


def render_share_page(page: SharePage) -> str:
    holder = escape(page.holder_name) if page.holder_name else "the holder"
    state = _STATE_TEXT[page.state]
    expiry = (
        f"<dt>Valid until</dt><dd>{escape(page.valid_until.date().isoformat())}</dd>"
        if page.valid_until is not None
        else ""
    )
    description = (
        f"<p>{escape(page.achievement_description)}</p>" if page.achievement_description else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(page.achievement_name)} &middot; {escape(page.issuer_name)}</title>
<link rel="alternate" type="application/vc+ld+json" href="{escape(page.credential_url)}">
{_open_graph(page, page.holder_name or "the holder")}
</head>
<body>
<main>
<h1>{escape(page.achievement_name)}</h1>
<p>Awarded to <strong>{holder}</strong> by
<a href="{escape(page.issuer_url)}">{escape(page.issuer_name)}</a>.</p>
{description}
<dl>
<dt>Issued on</dt><dd>{escape(page.issued_at.date().isoformat())}</dd>
{expiry}
<dt>Status</dt><dd class="status status-{escape(page.state.value)}">{state}</dd>
</dl>
<p>This is an Open Badges 3.0 credential:
<a href="{escape(page.credential_url)}">download the signed credential</a>
to verify it with any Open Badges verifier.</p>
<ul class="actions">
<li><a class="linkedin" href="{escape(page.linkedin_url)}" rel="noopener">
Add to LinkedIn profile</a></li>
<li><a class="baked-png" href="{escape(page.badge_png_url)}" download>Download badge (PNG)</a></li>
<li><a class="baked-svg" href="{escape(page.badge_svg_url)}" download>Download badge (SVG)</a></li>
</ul>
<p>The badge images carry the signed credential inside them (a baked Open Badge).</p>
</main>
</body>
</html>
"""
