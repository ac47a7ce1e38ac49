"""Proofs already found valid, so a credential checked again is not canonicalised again.

A verifier sees the same credential many times (a badge page shown to every visitor, an
employer's system re-checking a candidate), and canonicalising it is two thirds of a
verification. Whether a proof holds is a pure function of the document's exact content,
the public key and the contexts the loader holds, so that triple is remembered once the
proof was found valid. Dates, revocation and the key's own validity are checked afresh
on every verification by the callers: they change over time, the proof does not.

Only valid proofs are remembered: a caller cannot fill the memo with made-up documents,
since each entry takes a signature by one of the issuer keys being verified against.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

__all__ = ["ProvenProofs", "proven_proofs"]

ProofKey = tuple[bytes, object]


class ProvenProofs:
    """A bounded, least-recently-used set of (document, key, loader) found valid."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[ProofKey, None] = OrderedDict()

    @staticmethod
    def key_for(
        document: Mapping[str, Any], public_key: Ed25519PublicKey, loader: object
    ) -> ProofKey | None:
        """The memo key, or None for a document that has no single JSON form."""
        try:
            text = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError):
            return None
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
        digest.update(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))
        # The loader by identity: another loader may hold other contexts, and the
        # canonical form (so the proof's validity) depends on them.
        return digest.digest(), loader

    def __contains__(self, key: ProofKey) -> bool:
        if key not in self._entries:
            return False
        self._entries.move_to_end(key)
        return True

    def remember(self, key: ProofKey) -> None:
        self._entries[key] = None
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


# About 150 bytes an entry: 4,096 proofs cost well under a megabyte per process.
proven_proofs = ProvenProofs(capacity=4096)
