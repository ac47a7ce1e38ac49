"""localstripe, bound to 127.0.0.1 and persisting under .stack/ instead of /tmp.

The stock `localstripe.server.start()` binds `::` on every interface and pickles the whole
store to /tmp/localstripe.pickle on every write. Here the store is saved to our own path,
at most once per DEBOUNCE_SECONDS, and once more on shutdown.

Beyond localstripe, the stand-in honours `Idempotency-Key` as Stripe does
(localstripe_idempotency), ends refunds later as Stripe can (localstripe_refunds),
pays with a card typed into its Stripe.js mock as Stripe.js does (localstripe_browser), and
lets tests inject Stripe's errors and slow answers (localstripe_faults).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pickle
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

from aiohttp import web
from localstripe import resources, webhooks
from localstripe.server import app

from credmarket_infra.stack import (
    localstripe_browser,
    localstripe_faults,
    localstripe_idempotency,
    localstripe_refunds,
)

DEBOUNCE_SECONDS = 1.0


class DebouncedPersistence:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.dirty = False

    def load(self, store: resources.Store) -> None:
        try:
            with self.path.open("rb") as handle:
                saved = pickle.load(handle)  # noqa: S301 - our own file, written by this process
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            return
        dict.clear(store)
        dict.update(store, saved)
        # Loaded behind the store's back: its per-type index (if installed) is rebuilt.
        reindex = getattr(store, "reindex", None)
        if reindex is not None:
            reindex()

    def mark_dirty(self) -> None:
        self.dirty = True

    def save(self, store: resources.Store) -> None:
        if not self.dirty:
            return
        self.dirty = False
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump(dict(store), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, self.path)


def install(persistence: DebouncedPersistence) -> None:
    """Route localstripe's own save/load hooks to our debounced file."""
    resources.Store.try_load_from_disk = lambda store: persistence.load(store)
    resources.Store.dump_to_disk = lambda store: persistence.mark_dirty()

    async def flush_periodically(application: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(DEBOUNCE_SECONDS)
                persistence.save(resources.store)

        task = asyncio.create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        persistence.save(resources.store)

    app.cleanup_ctx.append(flush_periodically)


def allow_retry_after_decline() -> None:
    """A declined PaymentIntent takes a new card and is confirmed again, as on real Stripe.

    localstripe derives an intent's status from its last charge, so after a decline
    it stays `requires_payment_method` even once a new payment method is attached,
    and a learner could never try another card. Forgetting the failed charge when a
    new payment method arrives gives Stripe's behaviour: `requires_confirmation`.
    """
    intent_class = resources.PaymentIntent
    original = intent_class._api_update.__func__

    def _api_update(cls: type, /, id: str, **data: object) -> object:
        obj = cls._api_retrieve(id)  # type: ignore[attr-defined]
        charge = getattr(obj, "latest_charge", None)
        if "payment_method" in data and charge is not None and charge.status == "failed":
            obj.latest_charge = None
        return original(cls, id, **data)

    intent_class._api_update = classmethod(_api_update)


_METADATA_QUERY = re.compile(r"^metadata\['([^']+)'\]:'([^']*)'$")


def add_payment_intent_search() -> None:
    """`GET /v1/payment_intents/search?query=metadata['k']:'v'`, as Stripe's Search API.

    localstripe has no search, so a client that looks for an intent by our ids (payments,
    after a crash between Stripe's answer and its own commit) would have to page through
    every intent the stand-in ever made. Only the metadata-equality form is understood.
    """

    @web.middleware
    async def search(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.method != "GET" or request.path != "/v1/payment_intents/search":
            return cast(web.StreamResponse, await handler(request))
        match = _METADATA_QUERY.match(request.query.get("query", "").strip())
        if match is None:
            return web.json_response(
                {
                    "error": {
                        "type": "invalid_request_error",
                        "message": "only metadata['key']:'value' queries are supported",
                    }
                },
                status=400,
            )
        key, value = match.groups()
        limit = int(request.query.get("limit", "10"))
        found = [
            obj
            for name, obj in list(resources.store.items())
            if name.startswith("payment_intent:") and (obj.metadata or {}).get(key) == value
        ]
        return web.json_response(
            {
                "object": "search_result",
                "url": "/v1/payment_intents/search",
                "data": [obj._export() for obj in found[:limit]],
                "has_more": len(found) > limit,
                "next_page": None,
            }
        )

    # Innermost, so localstripe's own error handling and API-key check still apply.
    app.middlewares.append(search)


def index_objects_by_type() -> None:
    """List objects of one type without scanning the whole store.

    localstripe lists (and so exports every charge, whose ``refunds`` is a list) by
    filtering every key of its store: each call costs O(objects ever made), so a run
    of 2,000 purchases spent more CPU in the stand-in than in any of our services and
    slowed down as it went. Here the store keeps its keys per type, in insertion
    order, so a listing returns exactly what the scan returned.
    """
    by_type: dict[str, dict[str, None]] = {}
    set_item, del_item = resources.Store.__setitem__, resources.Store.__delitem__

    def type_of(key: str) -> str:
        return key.split(":", 1)[0]

    def setitem(store: resources.Store, key: str, value: object) -> None:
        set_item(store, key, value)
        by_type.setdefault(type_of(key), {})[key] = None

    def delitem(store: resources.Store, key: str) -> None:
        del_item(store, key)
        by_type.get(type_of(key), {}).pop(key, None)

    def clear(store: resources.Store) -> None:
        dict.clear(store)
        by_type.clear()

    def reindex(store: resources.Store) -> None:
        by_type.clear()
        for key in store:
            by_type.setdefault(type_of(key), {})[key] = None

    def list_all(
        cls: Any, /, url: str, limit: Any = None, starting_after: Any = None, **kwargs: Any
    ) -> Any:
        if kwargs:
            raise resources.UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        listing = resources.List(url, limit=limit, starting_after=starting_after)
        listing._list = [resources.store[key] for key in by_type.get(cls.object, {})]
        return listing

    resources.Store.__setitem__ = setitem
    resources.Store.__delitem__ = delitem
    resources.Store.clear = clear
    resources.Store.reindex = reindex
    resources.StripeObject._api_list_all = classmethod(list_all)
    reindex(resources.store)


def add_webhook_removal() -> None:
    """`DELETE /_config/webhooks/{id}`: forget a webhook localstripe was told about.

    localstripe can only add or replace webhooks, and it posts every event to every one
    it knows. Each test system registers its own and is gone minutes later, so over a
    test run the stand-in spent most of its time posting to dead ports.
    """

    async def remove(request: web.Request) -> web.Response:
        removed = webhooks._webhooks.pop(request.match_info["id"], None)
        return web.Response(status=204 if removed is not None else 404)

    app.router.add_delete("/_config/webhooks/{id}", remove)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--from-scratch", action="store_true")
    args = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args.state.parent.mkdir(parents=True, exist_ok=True)
    persistence = DebouncedPersistence(args.state)
    install(persistence)
    allow_retry_after_decline()
    add_payment_intent_search()
    add_webhook_removal()
    index_objects_by_type()
    localstripe_refunds.install()
    localstripe_browser.install()
    # Middlewares run in the order appended: faults in front of idempotency, so an
    # injected error is never remembered under the request's key.
    localstripe_faults.install()
    localstripe_idempotency.install()
    if not args.from_scratch:
        persistence.load(resources.store)
    web.run_app(
        app,
        host=args.host,
        port=args.port,
        access_log=logging.getLogger("aiohttp.access"),
        print=None,
    )


if __name__ == "__main__":
    main()
