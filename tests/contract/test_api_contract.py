"""The merged OpenAPI keeps one contract style (docs/api-style.md, ADR 0025).

Built in process from every service's app factory and merged as the gateway serves it at
/docs/openapi.json, so a route any engineer adds is held to the same rules: lists page by
cursor, money has one shape, required headers are documented required, every error is
a catalogued problem type with examples, and every problem type the code uses is in the
catalogue and documented on an endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from credmarket_infra.gateway.openapi_merge import generate_documents, merge
from credmarket_platform.http import problem_types
from credmarket_platform.http.contract import REQUIRED_HEADERS_KEY

ROOT = Path(__file__).resolve().parents[2]
Doc = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch")
PROBLEM_JSON = "application/problem+json"
# Paging by position, not cursor: allowed only while deprecated (one version).
OLD_PAGING = {"offset", "page", "page_size", "per_page"}
# Names a standard gives (OAuth 2.0 / RFC 7591 client metadata, OpenID4VCI): a client of
# that protocol expects exactly these, so they are not renamed to <what>_url.
STANDARD_LINK_NAMES = {
    "client_uri",
    "redirect_uri",
    "credential_offer_uri",
    "logo_uri",
    "tos_uri",
    "policy_uri",
    "jwks_uri",
}
MONEY_WORDS = re.compile(r"(^|_)(price|amount|fee|gross|refunded|share|earnings|cost)(_|$)")


@pytest.fixture(scope="module")
def doc() -> Doc:
    return merge(generate_documents())


def operations(doc: Doc) -> Iterator[tuple[str, str, Doc]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(doc: Doc, schema: Doc) -> Doc:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


def ok_schema(op: Doc) -> Doc | None:
    ok = op.get("responses", {}).get("200", {})
    schema: Doc | None = ok.get("content", {}).get("application/json", {}).get("schema")
    return schema


def non_null(doc: Doc, schema: Doc) -> list[Doc]:
    options = schema.get("anyOf", [schema])
    return [resolve(doc, s) if "$ref" in s else s for s in options if s.get("type") != "null"]


# --- lists -------------------------------------------------------------------------------


def lists(doc: Doc) -> Iterator[tuple[str, Doc, Doc]]:
    for path, method, op in operations(doc):
        schema = ok_schema(op)
        if method != "get" or schema is None:
            continue
        body = resolve(doc, schema)
        if body.get("type") == "array" or "items" in body.get("properties", {}):
            yield path, op, body


def test_the_contract_knows_the_lists(doc: Doc) -> None:
    found = {path for path, _, _ in lists(doc)}
    assert {
        "/catalog/v1/offerings",
        "/catalog/v1/provider/offerings",
        "/catalog/v1/providers/{provider_id}/api-keys",
        "/enrollment/v1/enrollments",
        "/issuance/v1/credentials",
    } <= found


def test_every_list_pages_by_cursor(doc: Doc) -> None:
    wrong = pagination_violations(doc)
    assert not wrong, "\n".join(wrong)


def pagination_violations(doc: Doc) -> list[str]:
    wrong = []
    for path, op, body in lists(doc):
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        props = body.get("properties", {})
        if body.get("type") == "array":
            wrong.append(f"{path}: answers a bare array, not a page")
            continue
        limit, cursor = params.get("limit"), params.get("cursor")
        if limit is None or "integer" not in str(limit.get("schema")):
            wrong.append(f"{path}: no integer `limit`")
        if cursor is None or cursor.get("required") or cursor.get("deprecated"):
            wrong.append(f"{path}: no optional `cursor`")
        if resolve(doc, props["items"]).get("type") != "array":
            wrong.append(f"{path}: `items` is not an array")
        nxt = props.get("next_cursor")
        if nxt is None or {t.get("type") for t in nxt.get("anyOf", [nxt])} != {"string", "null"}:
            wrong.append(f"{path}: no `next_cursor` (string or null)")
        for name, p in params.items():
            if name in OLD_PAGING and not p.get("deprecated"):
                wrong.append(f"{path}: `{name}` parameter not deprecated")
        for name, prop in props.items():
            if name in OLD_PAGING | {"limit"} and not prop.get("deprecated"):
                wrong.append(f"{path}: `{name}` in the page not deprecated")
    return wrong


# --- money -------------------------------------------------------------------------------


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value.rsplit("/", 1)[1]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def answered_schemas(doc: Doc) -> set[str]:
    """Every component schema a 2xx answer can contain: what a frontend reads."""
    todo = [
        name
        for _, _, op in operations(doc)
        for code, response in op.get("responses", {}).items()
        if code.startswith("2")
        for name in _refs(response)
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_refs(doc["components"]["schemas"][name]))
    return seen


def is_money_shape(schema: Doc) -> bool:
    props = schema.get("properties", {})
    return (
        set(props) == {"amount", "currency"}
        and props["amount"].get("type") == "integer"
        and props["currency"].get("type") == "string"
        and set(schema.get("required", [])) == {"amount", "currency"}
    )


def test_money_has_one_shape_and_one_name(doc: Doc) -> None:
    wrong = money_violations(doc)
    assert not wrong, "\n".join(wrong)


def money_violations(doc: Doc) -> list[str]:
    schemas = doc["components"]["schemas"]
    wrong = []
    for name, schema in schemas.items():
        short = name.split(".", 1)[-1]
        if short == "Money" and not is_money_shape(schema):
            wrong.append(f"{name}: not {{amount: integer, currency: string}}")
        elif short != "Money" and {"amount", "currency"} <= set(schema.get("properties", {})):
            wrong.append(f"{name}: a money shape under another name than Money")
    for name in answered_schemas(doc):
        if name.endswith(".Money"):
            continue
        for prop, body in schemas[name].get("properties", {}).items():
            if body.get("deprecated"):
                continue
            kinds = {s.get("type") for s in non_null(doc, body)}
            if MONEY_WORDS.search(prop) and kinds & {"integer", "number"}:
                wrong.append(f"{name}.{prop}: money as a bare number, not a Money object")
            if prop == "currency":
                wrong.append(f"{name}.currency: a currency beside bare amounts")
    return wrong


def test_a_money_field_is_the_same_money_everywhere(doc: Doc) -> None:
    """The learner's price is `price` in the catalog, the enrollment and its quote."""
    schemas = doc["components"]["schemas"]
    for name in ("catalog.Offering", "catalog.SearchHit", "enrollment.EnrollmentView"):
        price = schemas[name]["properties"]["price"]
        assert [
            s["$ref"].rsplit(".", 1)[1] for s in price.get("anyOf", [price]) if "$ref" in s
        ] == ["Money"], name
    assert schemas["enrollment.EnrollmentView"]["properties"]["quoted_price"]["deprecated"]


# --- links -------------------------------------------------------------------------------


def test_links_are_named_alike(doc: Doc) -> None:
    """A credential's links are `credential_url` and `share_url` wherever they appear."""
    schemas = doc["components"]["schemas"]
    for name in ("enrollment.CredentialView", "issuance.CredentialSummary"):
        props = schemas[name]["properties"]
        assert {"credential_url", "share_url"} <= set(props), name
    wrong = [
        f"{name}.{prop}"
        for name in answered_schemas(doc)
        for prop, body in schemas[name].get("properties", {}).items()
        if (prop.endswith(("_link", "_href", "_uri")) and prop not in STANDARD_LINK_NAMES)
        or (prop == "public_url" and not body.get("deprecated"))
    ]
    assert not wrong, f"links not named <what>_url: {wrong}"


# --- headers -----------------------------------------------------------------------------


def test_required_headers_are_documented_required(
    doc: Doc, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from credmarket_platform.http.contract import _marks
    from fastapi import routing
    from fastapi.routing import APIRoute

    # Only for this test: a leaked dev mode would change what later tests' settings allow.
    monkeypatch.setenv("CREDMARKET_DEV_MODE", "true")
    enforced: set[tuple[str, str, str]] = set()
    for service in ("catalog", "enrollment", "payments", "issuance"):
        app = importlib.import_module(f"{service}.app").create_app()
        for route in routing.iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute):
                continue
            _, headers = _marks(route)
            extra = (route.openapi_extra or {}).get(REQUIRED_HEADERS_KEY, [])
            for method in route.methods or ():
                for header in [*headers, *extra]:
                    enforced.add((f"/{service}{route.path_format}", method.lower(), header))
    # The two the acceptance driver tripped over, and Stripe's signature.
    assert ("/enrollment/v1/enrollments", "post", "Idempotency-Key") in enforced
    assert ("/payments/v1/payments/{payment_id}/refunds", "post", "Idempotency-Key") in enforced
    assert ("/payments/v1/stripe/webhook", "post", "Stripe-Signature") in enforced
    wrong = header_violations(doc, enforced)
    assert not wrong, "\n".join(wrong)


def header_violations(doc: Doc, enforced: set[tuple[str, str, str]]) -> list[str]:
    wrong = []
    for path, method, header in sorted(enforced):
        params = doc["paths"][path][method].get("parameters", [])
        found = [p for p in params if p["in"] == "header" and p["name"].lower() == header.lower()]
        if not found or not found[0].get("required"):
            wrong.append(
                f"{method.upper()} {path}: {header} refused when missing, documented optional"
            )
    return wrong


# --- problems ----------------------------------------------------------------------------


def test_every_error_answer_is_a_catalogued_problem_with_examples(doc: Doc) -> None:
    wrong = problem_violations(doc)
    assert not wrong, "\n".join(wrong)


def problem_violations(doc: Doc) -> list[str]:
    wrong = []
    for path, method, op in operations(doc):
        for code, response in op.get("responses", {}).items():
            if not code.isdigit() or int(code) < 400:
                continue
            where = f"{method.upper()} {path} {code}"
            content = response.get("content", {})
            if set(content) != {PROBLEM_JSON}:
                wrong.append(f"{where}: content {sorted(content)}, not problem+json only")
                continue
            examples = content[PROBLEM_JSON].get("examples", {})
            if not examples:
                wrong.append(f"{where}: no problem type documented")
            for example in examples.values():
                value = example["value"]
                known = problem_types.BY_TYPE.get(value["type"])
                if known is None:
                    wrong.append(f"{where}: {value['type']} is not in the catalogue")
                elif (known.title, known.status) != (value["title"], int(code)):
                    wrong.append(f"{where}: {value['type']} with another title or status")
    return wrong


def test_the_catalogue_is_published_with_the_reference(doc: Doc) -> None:
    listed = doc["x-credmarket-problem-types"]
    assert listed == problem_types.catalogue()
    assert len({p["type"] for p in listed}) == len(listed)
    assert all(p["type"].startswith("urn:credmarket:problem:") for p in listed)
    page = (ROOT / "infra/gateway/static/reference.js").read_text()
    assert "x-credmarket-problem-types" in page


def _source_files() -> Iterator[Path]:
    for top in ("services", "libs", "infra"):
        for path in (ROOT / top).rglob("*"):
            text = str(path)
            if (
                path.suffix in {".py", ".template", ".conf"}
                and "/tests/" not in text
                and ".venv" not in path.parts
            ):
                yield path


def used_problem_types() -> set[str]:
    """Every problem type the code can answer with, literal or built from a known set."""
    used: set[str] = set()
    literal = re.compile(r"urn:credmarket:problem:([a-z0-9-]+)(\{)?")
    for path in _source_files():
        for match in literal.finditer(path.read_text(errors="replace")):
            if match.group(2) is None:
                used.add(problem_types.PREFIX + match.group(1))
    from payments.domain.refund_policy import RefundRefusal

    used |= {f"{problem_types.PREFIX}refund-{r.value.replace('_', '-')}" for r in RefundRefusal}
    lifecycle = (ROOT / "services/catalog/src/catalog/domain").rglob("*.py")
    codes = {
        c
        for p in lifecycle
        for c in re.findall(r'TransitionRefused\(\s*"([a-z_]+)"', p.read_text())
    }
    assert codes, "the catalog's lifecycle refusals moved: teach this test where"
    api = (ROOT / "services/catalog/src/catalog/api").rglob("*.py")
    conflicts = re.compile(r'conflict\(\s*"([a-z-]+)"')
    used |= {problem_types.PREFIX + c for p in api for c in conflicts.findall(p.read_text())}
    renamed = {"retired": problem_types.OFFERING_RETIRED.slug}
    used |= {problem_types.PREFIX + renamed.get(c, c.replace("_", "-")) for c in codes}
    return used


def test_every_problem_type_the_code_uses_is_catalogued() -> None:
    unknown = used_problem_types() - set(problem_types.BY_TYPE)
    assert not unknown, f"add these to credmarket_platform.http.problem_types: {sorted(unknown)}"


def test_every_specific_problem_type_is_documented_on_an_endpoint(doc: Doc) -> None:
    documented = {
        example["value"]["type"]
        for _, _, op in operations(doc)
        for response in op.get("responses", {}).values()
        for example in response.get("content", {})
        .get(PROBLEM_JSON, {})
        .get("examples", {})
        .values()
    }
    generic = {p.type for p in problem_types.GENERIC.values()}
    missing = {p.type for p in problem_types.ALL} - documented - generic
    assert not missing, (
        f"list these in the responses= of the endpoints giving them: {sorted(missing)}"
    )


def test_catalogued_titles_win_at_run_time() -> None:
    from credmarket_platform.http.problems import problem_response

    answer = problem_response(404, "Enrollment not found", "no such enrollment")
    assert answer.body is not None
    assert b'"type":"urn:credmarket:problem:not-found"' in bytes(answer.body)
    assert b'"title":"Not Found"' in bytes(answer.body)
    specific = problem_response(409, "Whatever", type_=problem_types.ALREADY_ENROLLED.type)
    assert b'"title":"Already enrolled"' in bytes(specific.body)


# --- the checks catch what they are for ---------------------------------------------------


def test_each_check_fails_on_the_drift_it_guards_against(doc: Doc) -> None:
    """Plant each kind of drift in a copy of the real document: every check must see it."""
    import copy

    offset_paged = copy.deepcopy(doc)
    op = offset_paged["paths"]["/issuance/v1/credentials"]["get"]
    op["parameters"] = [p for p in op["parameters"] if p["name"] != "cursor"]
    op["parameters"].append({"name": "page", "in": "query", "schema": {"type": "integer"}})
    found = pagination_violations(offset_paged)
    assert any("no optional `cursor`" in w for w in found), found
    assert any("`page` parameter not deprecated" in w for w in found), found

    cents = copy.deepcopy(doc)
    view = cents["components"]["schemas"]["enrollment.EnrollmentView"]["properties"]
    view["price_cents"] = {"type": "integer"}
    cents["components"]["schemas"]["payments.Money"]["properties"]["amount"] = {"type": "string"}
    found = money_violations(cents)
    assert any("price_cents" in w for w in found), found
    assert any(w.startswith("payments.Money") for w in found), found

    optional = copy.deepcopy(doc)
    purchase = optional["paths"]["/enrollment/v1/enrollments"]["post"]
    for parameter in purchase["parameters"]:
        parameter["required"] = False
    enforced = {("/enrollment/v1/enrollments", "post", "Idempotency-Key")}
    assert header_violations(doc, enforced) == []
    assert header_violations(optional, enforced) == [
        "POST /enrollment/v1/enrollments: Idempotency-Key refused when missing, documented optional"
    ]

    unknown = copy.deepcopy(doc)
    answers = unknown["paths"]["/enrollment/v1/enrollments"]["post"]["responses"]
    examples = answers["409"]["content"][PROBLEM_JSON]["examples"]
    examples["made-up"] = {"value": {"type": "urn:credmarket:problem:made-up", "title": "x"}}
    answers["418"] = {"description": "teapot", "content": {"application/json": {}}}
    found = problem_violations(unknown)
    assert any("made-up is not in the catalogue" in w for w in found), found
    assert any(" 418: content" in w for w in found), found
