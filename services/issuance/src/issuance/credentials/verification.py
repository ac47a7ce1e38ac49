"""Verify any Open Badges 3.0 credential, reporting every check separately.

All I/O is injected: ``resolve_did`` returns the issuer's DID document and
``fetch_status_list`` returns a status list credential, so the HTTP endpoint,
the CLI and tests can each decide how (and how long) to cache them.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from issuance.credentials import signing
from issuance.credentials.did_web import DidResolutionError, assertion_public_key
from issuance.credentials.document_loader import VC_V2, LocalDocumentLoader
from issuance.credentials.keys import public_key_bytes
from issuance.credentials.results import Check, CredentialStatus, VerificationResult
from issuance.credentials.schema import schema_errors
from issuance.credentials.status_list import StatusList, StatusListError, entry_index

__all__ = ["FetchStatusList", "ResolveDid", "issuer_id", "verify_credential"]

ResolveDid = Callable[[str], Mapping[str, Any]]
"""DID -> DID document (raise if it cannot be resolved)."""
FetchStatusList = Callable[[str], Mapping[str, Any]]
"""Status list credential URL -> the parsed credential (raise on failure)."""

_OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
_OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
_STATUS_CACHE_SIZE = 128
# Decoded, signature-checked status lists keyed by (content hash, signer key):
# a verifier sees the same few lists over and over, and checking one costs a
# canonicalisation plus a 16 KB inflate.
_status_cache: OrderedDict[tuple[str, bytes], StatusList] = OrderedDict()


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """The issuer's id, whether ``issuer`` is a Profile object or a bare URI."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    return issuer if isinstance(issuer, str) else None


def verify_credential(
    credential: Mapping[str, Any],
    *,
    resolve_did: ResolveDid,
    now: datetime,
    fetch_status_list: FetchStatusList | None = None,
    loader: LocalDocumentLoader | None = None,
) -> VerificationResult:
    """Verify ``credential`` at time ``now`` (timezone-aware).

    Checks: ``structure``, ``schema``, ``issuer_key``, ``signature``, ``dates``,
    ``status``. ``status`` is ``revoked`` if a revocation bit is set,
    ``expired`` if ``validUntil`` has passed, ``invalid`` for any other failed
    check (including an uncheckable status), else ``valid``. Never raises on
    bad input.
    """
    checks: list[Check] = [_structure(credential)]
    errors = schema_errors(credential)
    checks.append(
        Check("schema", not errors, "; ".join(errors[:5]) if errors else "OB 3.0 JSON Schema")
    )

    key_check, resolve_key = _issuer_key(credential, resolve_did)
    checks.append(key_check)
    if resolve_key is None:
        checks.append(Check("signature", False, "not checked: no trusted issuer key"))
    else:
        proof = signing.verify(credential, resolve_key, loader=loader)
        failed = next((c for c in proof.checks if not c.passed), None)
        checks.append(
            Check(
                "signature",
                proof.valid,
                failed.detail if failed else "eddsa-rdfc-2022 proof valid",
            )
        )

    dates, expired = _dates(credential, now)
    checks.append(dates)
    status_check, revoked = _status(credential, resolve_did, fetch_status_list, now, loader)
    checks.append(status_check)

    valid = all(c.passed for c in checks)
    integrity = all(c.passed for c in checks if c.name != "dates" and c.name != "status")
    status: CredentialStatus
    if valid:
        status = "valid"
    elif integrity and revoked:
        status = "revoked"
    elif integrity and expired and status_check.passed:
        status = "expired"
    else:
        status = "invalid"
    return VerificationResult(valid=valid, status=status, checks=checks)


def _structure(credential: Mapping[str, Any]) -> Check:
    problems: list[str] = []
    context = credential.get("@context")
    if not isinstance(context, list) or not context or context[0] != VC_V2:
        problems.append(f"@context must start with {VC_V2}")
    elif not any(isinstance(c, str) and c.startswith(_OB_CONTEXT_PREFIX) for c in context):
        problems.append("@context lacks the OB 3.0 context")
    types = credential.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        problems.append("type must be an array with VerifiableCredential")
    elif not _OB_TYPES & set(types):
        problems.append("type must include OpenBadgeCredential")
    if not isinstance(credential.get("id"), str):
        problems.append("id missing")
    if issuer_id(credential) is None:
        problems.append("issuer id missing")
    if not isinstance(credential.get("validFrom"), str):
        problems.append("validFrom missing")
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("achievement"), dict):
        problems.append("credentialSubject.achievement missing")
    if "proof" not in credential:
        problems.append("proof missing")
    return Check("structure", not problems, "; ".join(problems) or "well-formed")


def _issuer_key(
    credential: Mapping[str, Any], resolve_did: ResolveDid
) -> tuple[Check, Callable[[str], Ed25519PublicKey] | None]:
    did = issuer_id(credential)
    proof = _single_proof(credential)
    method = proof.get("verificationMethod") if proof is not None else None
    if did is None or not did.startswith("did:"):
        return Check("issuer_key", False, "issuer is not a DID"), None
    if not isinstance(method, str):
        return Check("issuer_key", False, "proof has no verificationMethod"), None
    try:
        key = assertion_public_key(resolve_did(did), method)
    except DidResolutionError as exc:
        return Check("issuer_key", False, str(exc)), None
    except Exception as exc:  # resolver failures are verification failures
        return Check("issuer_key", False, f"cannot resolve {did}: {exc}"), None

    def resolve_key(requested: str) -> Ed25519PublicKey:
        if requested != method:
            raise DidResolutionError(f"{requested} was not vetted")
        return key

    return Check("issuer_key", True, f"{method} is an assertion key of {did}"), resolve_key


def _single_proof(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _dates(credential: Mapping[str, Any], now: datetime) -> tuple[Check, bool]:
    valid_from = _parse_time(credential.get("validFrom"))
    if valid_from is None:
        return Check("dates", False, "validFrom is not a timezone-aware dateTime"), False
    if valid_from > now:
        return Check("dates", False, f"not valid before {credential['validFrom']}"), False
    if "validUntil" in credential:
        valid_until = _parse_time(credential.get("validUntil"))
        if valid_until is None:
            return Check("dates", False, "validUntil is not a timezone-aware dateTime"), False
        if valid_until <= now:
            return Check("dates", False, f"expired at {credential['validUntil']}"), True
    return Check("dates", True, "within validity period"), False


def _status(
    credential: Mapping[str, Any],
    resolve_did: ResolveDid,
    fetch_status_list: FetchStatusList | None,
    now: datetime,
    loader: LocalDocumentLoader | None,
) -> tuple[Check, bool]:
    raw = credential.get("credentialStatus")
    if raw is None:
        return Check("status", True, "no credentialStatus"), False
    entries = raw if isinstance(raw, list) else [raw]
    revocation = [
        e
        for e in entries
        if isinstance(e, dict)
        and e.get("type") == "BitstringStatusListEntry"
        and e.get("statusPurpose") == "revocation"
    ]
    if not revocation:
        return Check("status", False, "no supported revocation status entry"), False
    if fetch_status_list is None:
        return Check("status", False, "status not checked: no status list access"), False
    for entry in revocation:
        try:
            index = entry_index(entry)
            url = str(entry.get("statusListCredential", ""))
            status_list = _verified_status_list(
                fetch_status_list(url), issuer_id(credential), resolve_did, now, loader
            )
            if status_list.get(index):
                return Check("status", False, f"revoked (bit {index} of {url})"), True
        except (StatusListError, DidResolutionError) as exc:
            return Check("status", False, f"status list unusable: {exc}"), False
        except Exception as exc:  # fetch failures are verification failures
            return Check("status", False, f"status list unavailable: {exc}"), False
    return Check("status", True, "not revoked"), False


def _verified_status_list(
    list_credential: Mapping[str, Any],
    expected_issuer: str | None,
    resolve_did: ResolveDid,
    now: datetime,
    loader: LocalDocumentLoader | None,
) -> StatusList:
    if issuer_id(list_credential) != expected_issuer or expected_issuer is None:
        raise StatusListError("status list is not published by the credential's issuer")
    types = list_credential.get("type")
    if not isinstance(types, list) or "BitstringStatusListCredential" not in types:
        raise StatusListError("not a BitstringStatusListCredential")
    proof = _single_proof(list_credential)
    method = proof.get("verificationMethod") if proof is not None else None
    if not isinstance(method, str):
        raise StatusListError("status list is unsigned")
    key = assertion_public_key(resolve_did(expected_issuer), method)
    cache_key = (_content_hash(list_credential), public_key_bytes(key))
    cached = _status_cache.get(cache_key)
    if cached is None:
        result = signing.verify(list_credential, lambda _: key, loader=loader)
        if not result.valid:
            raise StatusListError("status list signature invalid")
        subject = list_credential.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("statusPurpose") != "revocation":
            raise StatusListError("status list is not a revocation list")
        cached = StatusList.decode(str(subject.get("encodedList", "")))
        _status_cache[cache_key] = cached
        while len(_status_cache) > _STATUS_CACHE_SIZE:
            _status_cache.popitem(last=False)
    valid_until = _parse_time(list_credential.get("validUntil"))
    if valid_until is not None and valid_until <= now:
        raise StatusListError("status list has expired")
    return cached


def _content_hash(document: Mapping[str, Any]) -> str:
    canonical_json = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical_json.encode("utf-8")).hexdigest()
