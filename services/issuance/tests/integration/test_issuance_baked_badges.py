"""Baked badges and the share page's ways out (LinkedIn, Open Graph), on the real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from issuance.credentials.baking import bake_png, extract_png, extract_svg

if TYPE_CHECKING:
    from conftest import Harness, IssueCredential

pytestmark = pytest.mark.integration


async def test_baked_png_and_svg_verify_like_the_json(
    harness: Harness, issue_credential: IssueCredential
) -> None:
    h = harness
    credential = await issue_credential(h)
    document = (await h.client.get(f"/credentials/{credential.id}")).json()
    json_report = (await h.client.post("/v1/verify", json=document)).json()
    assert json_report["valid"] is True

    png = await h.client.get(f"/credentials/{credential.id}/badge.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert "attachment" in png.headers["content-disposition"]
    assert extract_png(png.content) == document
    svg = await h.client.get(f"/credentials/{credential.id}/badge.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert extract_svg(svg.content) == document

    for body, media_type in ((png.content, "image/png"), (svg.content, "image/svg+xml")):
        baked = await h.client.post(
            "/v1/verify/baked", content=body, headers={"Content-Type": media_type}
        )
        assert baked.status_code == 200, baked.text
        assert baked.json() == json_report

    tampered = bake_png(png.content, {**document, "name": "Something else"})
    report = (
        await h.client.post(
            "/v1/verify/baked", content=tampered, headers={"Content-Type": "image/png"}
        )
    ).json()
    assert report["valid"] is False
    assert any(c["name"] == "signature" and not c["passed"] for c in report["checks"])


async def test_bad_baked_uploads_get_clear_problems(harness: Harness) -> None:
    h = harness

    async def post(body: bytes, media_type: str) -> tuple[int, str]:
        answer = await h.client.post(
            "/v1/verify/baked", content=body, headers={"Content-Type": media_type}
        )
        assert answer.headers["content-type"] == "application/problem+json"
        return answer.status_code, answer.json()["detail"]

    assert (await post(b"GIF89a", "image/gif"))[0] == 415
    status, detail = await post(b"\x89PNG\r\n\x1a\nnot really", "image/png")
    assert status == 422
    assert "chunk" in detail
    assert (await post(b"<svg/>", "image/svg+xml"))[0] == 422
    assert (await post(b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1), "image/png"))[0] == 413

    async def chunked() -> AsyncIterator[bytes]:
        # No Content-Length at all: the limit must hold on what is read.
        for _ in range(20):
            yield b"\0" * 65536

    answer = await h.client.post(
        "/v1/verify/baked", content=chunked(), headers={"Content-Type": "image/png"}
    )
    assert answer.status_code == 413


async def test_share_page_offers_linkedin_downloads_and_a_card(
    harness: Harness, issue_credential: IssueCredential
) -> None:
    h = harness
    credential = await issue_credential(h)
    page = (await h.client.get(f"/credentials/{credential.id}/share")).text
    share = f"{h.settings.public_base_url}/credentials/{credential.id}/share"
    assert f'<meta property="og:url" content="{share}">' in page
    assert (
        f'<meta property="og:image" content="{h.settings.public_base_url}'
        f'/credentials/{credential.id}/badge.png">'
    ) in page
    assert f'href="{h.settings.public_base_url}/credentials/{credential.id}/badge.svg"' in page

    start = page.index('class="linkedin" href="') + len('class="linkedin" href="')
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME"
    assert query["name"] == credential.achievement_name
    assert query["organizationName"] == "Acme Academy"
    assert query["issueYear"] == str(credential.issued_at.year)
    assert query["issueMonth"] == str(credential.issued_at.month)
    assert query["certUrl"] == share
    assert query["certId"] == str(credential.id)
