"""Offline JSON-LD document loader: only the vendored contexts, never the network.

Credentials are signed over their RDF canonical form, which depends on the exact
bytes of every context they reference. Fetching contexts at run time would let
whoever serves them (or a network attacker) change what a signature means, and
would make issuance and verification depend on third-party uptime. So every
context the service understands is vendored under ``issuance/contexts`` and any
other URL is refused.
"""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

from pyld.context_resolver import ContextResolver

from issuance.credentials.context_memo import ContextMemo

__all__ = [
    "CONTEXT_FILES",
    "DID_V1",
    "MULTIKEY_V1",
    "OB_V3P0_CONTEXT",
    "VC_V2",
    "LocalDocumentLoader",
    "UnknownContextError",
    "default_loader",
    "load_context",
    "unknown_contexts",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"

CONTEXT_FILES: Mapping[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    OB_V3P0_CONTEXT: "ob-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-extensions.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    "https://www.w3.org/ns/cid/v1": "cid-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-2020-v1.jsonld",
}
"""Context URL -> file name under ``issuance/contexts``."""

# Processed contexts kept per loader: ours are a dozen, plus scoped/inline ones.
_RESOLVED_CACHE_SIZE = 256
# (active context, local context) pairs: the OB 3.0 credential and status list
# shapes need a few dozen; the rest is room for other shapes and inline contexts.
_CONTEXT_MEMO_SIZE = 512


class _LruCache(OrderedDict[Any, Any]):
    """The slice of a mapping pyld's ContextResolver uses, bounded.

    Bounded because inline ``@context`` objects in untrusted credentials are
    cached too (keyed by their canonical JSON); unbounded, a verifier could be
    made to hoard them.
    """

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self._maxsize = maxsize

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self._maxsize:
            self.popitem(last=False)


class _KnownUrlsOnly:
    """pyld's shared resolved-context cache, keeping only contexts named by a served URL.

    pyld also files inline ``@context`` objects there, keyed by their JSON: a
    caller's document would choose the keys and the size of each entry. Those are
    resolved again per document instead (cheap; only vendored contexts are big).
    """

    def __init__(self, cache: _LruCache, knows: Callable[[str], bool]) -> None:
        self._cache = cache
        self._knows = knows

    def get(self, key: Any, default: Any = None) -> Any:
        return self._cache.get(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, str) and self._knows(key):
            self._cache[key] = value


class UnknownContextError(LookupError):
    """A document referenced a context URL that is not vendored."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context not available offline: {url}")
        self.url = url


@cache
def _read_vendored(file_name: str) -> Any:
    text = resources.files("issuance").joinpath("contexts", file_name).read_text("utf-8")
    return json.loads(text)


def load_context(url: str) -> dict[str, Any]:
    """Return a fresh copy of the vendored context document served for ``url``.

    Raises :class:`UnknownContextError` for any URL not in :data:`CONTEXT_FILES`.
    """
    file_name = CONTEXT_FILES.get(url)
    if file_name is None:
        raise UnknownContextError(url)
    document: dict[str, Any] = copy.deepcopy(_read_vendored(file_name))
    return document


class LocalDocumentLoader:
    """A pyld ``documentLoader`` serving a fixed set of in-memory documents.

    Call :meth:`options` to get pyld options wired to this loader *and* to a
    context-resolver cache private to it: pyld's default resolved-context cache
    is process-global and keyed by URL only, so sharing it would let any other
    loader in the process decide what a URL means for us. The private cache also
    keeps processed contexts across calls, which is most of pyld's cost.
    """

    def __init__(self, extra_documents: Mapping[str, Any] | None = None) -> None:
        """Serve the vendored contexts plus ``extra_documents`` (URL -> JSON value).

        ``extra_documents`` exists for test vectors that pin historic contexts;
        production code uses :func:`default_loader`.
        """
        self._extra = {url: copy.deepcopy(doc) for url, doc in (extra_documents or {}).items()}
        self._remote_docs: dict[str, dict[str, Any]] = {}
        self._resolved = _LruCache(_RESOLVED_CACHE_SIZE)
        # ids of every object inside a served document; the documents live as
        # long as the loader (in _remote_docs), so an id here names that object.
        self._static_ids: set[int] = set()
        self.context_memo = ContextMemo(self.is_static, _CONTEXT_MEMO_SIZE)

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        """pyld loader protocol: return a RemoteDocument dict or raise."""
        # Matched exactly: every spelling a caller invents (a fragment, a trailing
        # slash, another case) would otherwise be a new key here and in pyld's caches,
        # each holding a copy of a context (issue 19: 300 MB from five requests).
        cached = self._remote_docs.get(url)
        if cached is not None:
            return cached
        document = self._extra[url] if url in self._extra else load_context(url)
        remote = {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
            # pyld caches a processed remote context across operations only
            # when the loader tags it; ours never change, so always tag.
            "tag": "static",
        }
        self._remote_docs[url] = remote
        self._static_ids.update(_container_ids(document))
        return remote

    def is_static(self, value: object) -> bool:
        """True when ``value`` is (inside) a document this loader served."""
        return id(value) in self._static_ids

    def knows(self, url: str) -> bool:
        """True when ``url`` would be served."""
        return url in self._extra or url in CONTEXT_FILES

    def options(self) -> dict[str, Any]:
        """pyld processing options bound to this loader and its private cache."""
        return {
            "documentLoader": self,
            "contextResolver": ContextResolver(_KnownUrlsOnly(self._resolved, self.knows), self),
        }


def unknown_contexts(document: Any, knows: Callable[[str], bool] | None = None) -> list[str]:
    """Every context URL in ``document`` (at any depth) that would not be served.

    Lets the verify endpoint refuse such a document as bad input up front, naming
    what is wrong, instead of reporting a failed signature check.
    """
    knows = knows or default_loader().knows
    unknown: list[str] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            context = node.get("@context")
            for entry in context if isinstance(context, list) else [context]:
                if isinstance(entry, str) and not knows(entry) and entry not in unknown:
                    unknown.append(entry)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return unknown


def _container_ids(value: Any) -> list[int]:
    ids: list[int] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ids.append(id(node))
            stack.extend(node.values())
        elif isinstance(node, list):
            ids.append(id(node))
            stack.extend(node)
    return ids


@cache
def default_loader() -> LocalDocumentLoader:
    """The process-wide loader for the vendored contexts (shared so its cache is)."""
    return LocalDocumentLoader()
