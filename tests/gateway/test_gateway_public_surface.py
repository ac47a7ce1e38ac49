"""The public surface at the edge (issue 19): one CORS answer, security headers, health."""

from __future__ import annotations

import httpx
import pytest
from credmarket_testing.system import System
from credmarket_testing.wait import wait_until

pytestmark = pytest.mark.integration

ONE_VALUE = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "x-content-type-options",
    "referrer-policy",
)


def document_paths(issued: object) -> list[str]:
    return [
        f"/credentials/{issued.id}",  # type: ignore[attr-defined]
        f"/issuers/{issued.issuer_id}/did.json",  # type: ignore[attr-defined]
        issued.status_list_path,  # type: ignore[attr-defined]
    ]


async def test_public_documents_carry_one_cors_value_per_header(
    system: System, http: httpx.AsyncClient, page_origins: object, issued_credential: object
) -> None:
    allowed = page_origins.allowed  # type: ignore[attr-defined]
    for path in document_paths(issued_credential):
        answer = await http.get(f"{system.gateway_url}{path}", headers={"Origin": allowed})
        assert answer.status_code == 200, (path, answer.text)
        for name in ONE_VALUE:
            assert len(answer.headers.get_list(name)) == 1, (path, name, answer.headers)
        assert answer.headers["access-control-allow-origin"] == allowed
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        # Plain HTTP here: HSTS belongs where TLS ends.
        assert "strict-transport-security" not in answer.headers

        other = await http.get(
            f"{system.gateway_url}{path}",
            headers={"Origin": page_origins.disallowed},  # type: ignore[attr-defined]
        )
        assert "access-control-allow-origin" not in other.headers


async def test_every_kind_of_answer_has_the_security_headers(
    system: System, http: httpx.AsyncClient, issued_credential: object
) -> None:
    answers = {
        "service json": await http.get(f"{system.gateway_url}/catalog/v1/offerings"),
        "service 401": await http.get(f"{system.gateway_url}/enrollment/v1/enrollments"),
        "gateway 404": await http.get(f"{system.gateway_url}/nowhere"),
        "redirect": await http.get(f"{system.gateway_url}/"),
        "docs": await http.get(f"{system.gateway_url}/docs/"),
        "share page": await http.get(
            f"{system.gateway_url}/credentials/{issued_credential.id}/share"  # type: ignore[attr-defined]
        ),
    }
    for kind, answer in answers.items():
        assert answer.headers.get_list("x-content-type-options") == ["nosniff"], kind
        assert answer.headers.get_list("referrer-policy") == ["no-referrer"], kind
    for html in ("docs", "share page"):
        csp = answers[html].headers["content-security-policy"]
        assert "default-src" in csp, html
        assert "frame-ancestors 'none'" in csp, html


async def test_public_health_says_up_or_down_only_and_is_throttled(
    system: System, http: httpx.AsyncClient
) -> None:
    url = f"{system.gateway_url}/gateway/health"

    async def healthy() -> bool:
        return (await http.get(url)).status_code == 200

    await wait_until(healthy, timeout=10, message="health never answered 200")
    answers = [await http.get(url) for _ in range(30)]
    ok = [a for a in answers if a.status_code == 200]
    limited = [a for a in answers if a.status_code == 429]
    assert ok, [a.status_code for a in answers]
    assert limited, [a.status_code for a in answers]
    assert len(ok) + len(limited) == len(answers)
    assert {a.text for a in ok} == {'{"status":"up"}'}
    assert limited[0].headers["content-type"].startswith("application/problem+json")
    assert limited[0].headers["retry-after"]
    # Refilled a moment later, for the tests after this one.
    await wait_until(healthy, timeout=10, message="health stayed throttled")
