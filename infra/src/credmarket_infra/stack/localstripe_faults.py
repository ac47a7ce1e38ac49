"""Faults a test can put in front of the stand-in's API: Stripe answering an error, or
doing the work and answering too late.

``POST /_config/faults/{name}`` (form fields) arms one:

- ``path``: the API path it applies to, a regular expression matched in full
  (``/v1/payment_intents``, ``/v1/refunds``); ``method`` (default POST);
- ``match``: only requests one of whose parameter values equals this (e.g. an
  offering id in ``metadata[offering_id]``), so tests sharing the stand-in never meet
  each other's faults;
- either ``status`` (with ``error_type``, ``message``): answer that error instead of
  executing the request (a 500 ``api_error`` is Stripe failing; a 400
  ``invalid_request_error`` is Stripe refusing), or ``hang_s``: execute the request,
  then hold the answer that long (Stripe did it, the caller times out);
- ``times``: apply it to that many requests, then disarm (default: until deleted).

``GET /_config/faults/{name}`` says how many requests it hit; ``DELETE`` disarms it.
Faults sit in front of idempotency: an injected error is never remembered under the
request's key (Stripe never ran it), and a replayed answer is held back like any other.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from localstripe.errors import UserError
from localstripe.server import app, get_post_data, unflatten_data


@dataclass
class Fault:
    name: str
    method: str
    path: re.Pattern[str]
    match: str | None
    status: int | None
    error_type: str
    message: str
    hang_s: float
    times: int | None
    hits: int = 0

    def applies_to(self, request: web.Request, values: set[str]) -> bool:
        if request.method != self.method or not self.path.fullmatch(request.path):
            return False
        return self.match is None or self.match in values

    def answer(self) -> web.Response:
        return web.json_response(
            {"error": {"type": self.error_type, "message": self.message}},
            status=self.status or 500,
        )


_faults: dict[str, Fault] = {}


def _leaves(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for value in data.values():
            yield from _leaves(value)
    elif isinstance(data, list):
        for value in data:
            yield from _leaves(value)
    elif data is not None:
        yield str(data)


def _parse(name: str, form: Any) -> Fault:
    try:
        status = int(form["status"]) if form.get("status") else None
        hang_s = float(form.get("hang_s") or 0)
        times = int(form["times"]) if form.get("times") else None
        path = re.compile(str(form["path"]))
    except (KeyError, ValueError, re.error) as exc:
        raise UserError(400, f"bad fault: {exc!r}") from None
    if (status is None) == (hang_s <= 0):
        raise UserError(400, "a fault has either a status or a hang_s")
    return Fault(
        name=name,
        method=str(form.get("method") or "POST").upper(),
        path=path,
        match=str(form["match"]) if form.get("match") else None,
        status=status,
        error_type=str(form.get("error_type") or "api_error"),
        message=str(form.get("message") or "injected by a test"),
        hang_s=hang_s,
        times=times,
    )


async def _arm(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    _faults[name] = _parse(name, await request.post())
    return web.json_response({"name": name, "hits": 0})


async def _look(request: web.Request) -> web.Response:
    fault = _faults.get(request.match_info["name"])
    if fault is None:
        return web.json_response({"error": {"message": "no such fault"}}, status=404)
    return web.json_response({"name": fault.name, "hits": fault.hits, "remaining": fault.times})


async def _disarm(request: web.Request) -> web.Response:
    removed = _faults.pop(request.match_info["name"], None)
    return web.Response(status=204 if removed is not None else 404)


def install() -> None:
    @web.middleware
    async def faults(request: web.Request, handler: Any) -> web.StreamResponse:
        if not _faults or request.path.startswith("/_config/"):
            return cast(web.StreamResponse, await handler(request))
        if request.method == "POST":
            data = await get_post_data(request, remove_auth=True)
        else:
            data = unflatten_data(request.query)
        values = set(_leaves(data))
        fault = next((f for f in list(_faults.values()) if f.applies_to(request, values)), None)
        if fault is None:
            return cast(web.StreamResponse, await handler(request))
        fault.hits += 1
        if fault.times is not None:
            fault.times -= 1
            if fault.times <= 0:
                _faults.pop(fault.name, None)
        if fault.status is not None:
            return fault.answer()
        try:
            response = cast(web.StreamResponse, await handler(request))
        except UserError as refused:
            response = refused.to_response()
        await asyncio.sleep(fault.hang_s)
        return response

    app.middlewares.append(faults)
    app.router.add_post("/_config/faults/{name}", _arm)
    app.router.add_get("/_config/faults/{name}", _look)
    app.router.add_delete("/_config/faults/{name}", _disarm)
