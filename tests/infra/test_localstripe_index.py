"""The stand-in's per-type index lists exactly what localstripe's full scan listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from credmarket_infra.stack import localstripe_server
from localstripe import resources

# localstripe's server module registers plain-function routes, which aiohttp deprecates.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Thing:
    def __init__(self, name: str) -> None:
        self.name = name


def scanned(kind: str) -> list[object]:
    """localstripe's own listing: every key of the store, filtered by prefix."""
    return [v for k, v in resources.store.items() if k.startswith(kind + ":")]


def listed(kind: str) -> list[object]:
    """The base listing every resource class builds on, for objects of ``kind``."""
    owner = type("Kind", (), {"object": kind})
    listing = resources.StripeObject._api_list_all.__func__(owner, "/v1/x")  # type: ignore[attr-defined]
    return list(listing._list)


@pytest.fixture(scope="module", autouse=True)
def indexed() -> Iterator[None]:
    saved_dump = resources.Store.dump_to_disk
    resources.Store.dump_to_disk = lambda store: None  # never write /tmp/localstripe.pickle
    localstripe_server.index_objects_by_type()
    yield
    resources.store.clear()
    resources.Store.dump_to_disk = saved_dump


def test_listing_follows_inserts_updates_deletes_and_clear() -> None:
    store = resources.store
    store.clear()
    store["customer:c1"] = Thing("c1")
    store["refund:r1"] = Thing("r1")
    store["customer:c2"] = Thing("c2")
    store["customer:c1"] = Thing("c1 updated")  # an update keeps its place
    assert listed("customer") == scanned("customer")
    assert [t.name for t in listed("customer")] == ["c1 updated", "c2"]  # type: ignore[attr-defined]
    assert listed("refund") == scanned("refund")

    del store["customer:c1"]
    assert listed("customer") == scanned("customer") == [store["customer:c2"]]

    store.clear()
    assert listed("customer") == [] == scanned("customer")


def test_a_store_loaded_behind_its_back_is_reindexed() -> None:
    store = resources.store
    store.clear()
    dict.update(store, {"customer:a": Thing("a"), "charge:b": Thing("b")})
    store.reindex()  # type: ignore[attr-defined]
    assert listed("customer") == scanned("customer")
    assert [t.name for t in listed("charge")] == ["b"]  # type: ignore[attr-defined]


def test_unexpected_filters_are_refused_as_before() -> None:
    with pytest.raises(resources.UserError):
        resources.StripeObject._api_list_all.__func__(  # type: ignore[attr-defined]
            resources.Customer, "/v1/customers", email="x@example.com"
        )
