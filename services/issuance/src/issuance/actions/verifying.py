"""Verify any OB 3.0 credential; resolve only what this service published itself.

Issuer DID documents and status lists of this service come from the database.
Anything else is *not* fetched: fetching URLs named by an anonymous caller's
document would let anyone make this service call arbitrary hosts (SSRF).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from issuance.credentials.did_web import DidResolutionError, IssuerKey, build_did_document
from issuance.credentials.results import Check, VerificationResult
from issuance.credentials.verification import issuer_id, verify_credential
from issuance.db.verification_reads import read_verification_data
from issuance.domain.key_validity import usable_keys
from issuance.domain.public_urls import did_for, local_issuer_id, local_status_list_id
from issuance.runtime import IssuanceRuntime

log = logging.getLogger(__name__)

NOT_RESOLVABLE = (
    "resolution is not available: this service resolves only its own issuers and "
    "status lists and does not fetch other hosts"
)


def proof_created(credential: Mapping[str, Any]) -> datetime | None:
    """When the credential's proof says it was made; None if it does not say clearly."""
    proof = credential.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    created = proof.get("created") if isinstance(proof, dict) else None
    if not isinstance(created, str) or len(created) > 64:
        return None
    try:
        instant = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant if instant.tzinfo is not None else None


def _status_list_urls(credential: Mapping[str, Any]) -> list[str]:
    raw = credential.get("credentialStatus")
    entries = raw if isinstance(raw, list) else [raw]
    return [
        url
        for entry in entries
        if isinstance(entry, dict) and isinstance(url := entry.get("statusListCredential"), str)
    ]


async def verify(
    engine: AsyncEngine, credential: Mapping[str, Any], rt: IssuanceRuntime
) -> tuple[VerificationResult, bool]:
    """The verification result, and whether the issuer is one of ours."""
    did = issuer_id(credential)
    local_id = local_issuer_id(rt.public_base_url, did) if did else None
    list_ids = {
        url: list_id
        for url in _status_list_urls(credential)
        if (list_id := local_status_list_id(rt.public_base_url, url)) is not None
    }
    data = await read_verification_data(engine, local_id, list(set(list_ids.values())))
    documents: dict[str, Mapping[str, Any]] = {}
    if did is not None and local_id is not None and data.keys:
        # Like GET /issuers/{id}/did.json, but only the keys that may verify a proof
        # made when this one says it was: no retired or revoked key for later proofs.
        documents[did] = build_did_document(
            did_for(rt.public_base_url, local_id),
            [
                IssuerKey(k.key_id, k.public_key_multibase)
                for k in usable_keys(data.keys, proof_created(credential))
            ],
        )
    lists: dict[str, Mapping[str, Any]] = {
        url: data.status_lists[list_id]
        for url, list_id in list_ids.items()
        if list_id in data.status_lists
    }

    def resolve_did(requested: str) -> Mapping[str, Any]:
        if requested in documents:
            return documents[requested]
        if local_issuer_id(rt.public_base_url, requested) is not None:
            raise DidResolutionError(f"{requested} is not an issuer of this service")
        raise DidResolutionError(f"{requested}: {NOT_RESOLVABLE}")

    def fetch_status_list(url: str) -> Mapping[str, Any]:
        if url in lists:
            return lists[url]
        if local_status_list_id(rt.public_base_url, url) is not None:
            raise LookupError(f"{url} is not a status list of this service")
        raise LookupError(f"{url}: {NOT_RESOLVABLE}")

    try:
        result = verify_credential(
            credential,
            resolve_did=resolve_did,
            fetch_status_list=fetch_status_list,
            now=rt.clock(),
        )
    except Exception as exc:
        # The core promises not to raise on bad input; if garbage still finds a way,
        # the caller gets a failed report, not a 500.
        log.warning("verification crashed on input: %r", exc)
        result = VerificationResult(
            valid=False,
            status="invalid",
            checks=[Check("structure", False, "the document could not be processed")],
        )
    if did is not None and local_id is None:
        result = VerificationResult(
            valid=False,
            status=result.status if result.status != "valid" else "invalid",
            checks=[*result.checks, Check("resolution", False, NOT_RESOLVABLE)],
        )
    return result, local_id is not None
