"""Build unsigned ``OpenBadgeCredential`` documents (OB 3.0 on VC Data Model 2.0).

Only shapes that both the official JSON Schema and the OB 3.0.3 JSON-LD context
accept are produced: every ``type`` is an array, images are ``Image`` objects,
and a score is only stated as a ``Result`` pointing at a ``ResultDescription``
that the achievement declares, so relying parties know what the number means.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from issuance.credentials.document_loader import OB_V3P0_CONTEXT, VC_V2
from issuance.credentials.signing import format_datetime, sign

__all__ = [
    "CONTEXT",
    "AchievementInfo",
    "EvidenceItem",
    "IssuerProfile",
    "Recipient",
    "ScoreResult",
    "build_open_badge_credential",
    "identity_hash",
    "sign_open_badge",
]

CONTEXT: list[str] = [VC_V2, OB_V3P0_CONTEXT]
CREDENTIAL_TYPE: list[str] = ["VerifiableCredential", "OpenBadgeCredential"]


@dataclass(frozen=True)
class IssuerProfile:
    """The issuing provider; ``id`` is its did:web."""

    id: str
    name: str
    url: str | None = None
    email: str | None = None
    image_url: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class AchievementInfo:
    """What the credential states was achieved (from the offering)."""

    id: str
    """A URI that stays stable for the achievement across all its credentials."""
    name: str
    description: str
    criteria_narrative: str
    image_url: str | None = None
    achievement_type: str | None = None
    """OB AchievementType vocabulary, e.g. ``Certificate``, ``Course``, ``Badge``."""
    criteria_url: str | None = None
    tags: Sequence[str] = ()


@dataclass(frozen=True)
class Recipient:
    """The learner: a salted email hash (recommended) and/or a DID / URI."""

    email: str | None = None
    salt: str | None = None
    """Random per credential so the hash cannot be joined across credentials;
    generated when an email is given without one."""
    id: str | None = None

    def __post_init__(self) -> None:
        if self.email is None and self.id is None:
            raise ValueError("a recipient needs an email or an id")


@dataclass(frozen=True)
class EvidenceItem:
    """Evidence of the completion (a URL and/or a narrative)."""

    id: str | None = None
    name: str | None = None
    narrative: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    """A score stated together with the description of what it measures."""

    value: str
    result_type: str = "Percent"
    """OB ResultType, e.g. ``Percent``, ``LetterGrade``, ``RawScore``."""
    name: str = "Score"
    value_min: str | None = None
    value_max: str | None = None


def identity_hash(email: str, salt: str) -> str:
    """OB ``IdentityHash``: ``sha256$`` + hex SHA-256 of the email followed by the salt.

    The email is trimmed and lower-cased first so the learner's verifier can
    reproduce it from what they type.
    """
    normalised = email.strip().lower()
    return "sha256$" + hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()


def build_open_badge_credential(
    *,
    credential_id: str,
    issuer: IssuerProfile,
    achievement: AchievementInfo,
    recipient: Recipient,
    valid_from: datetime,
    valid_until: datetime | None = None,
    name: str | None = None,
    description: str | None = None,
    evidence: Sequence[EvidenceItem] = (),
    score: ScoreResult | None = None,
    credential_status: Mapping[str, Any] | None = None,
    activity_end: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned OpenBadgeCredential; sign it with :func:`signing.sign`.

    ``credential_id`` is a URI (``urn:uuid:...`` or the credential's https URL).
    ``valid_until`` is set when the achievement expires. ``credential_status``
    is a ``BitstringStatusListEntry`` from :mod:`status_list`.
    """
    if valid_until is not None and valid_until <= valid_from:
        raise ValueError("valid_until must be after valid_from")
    achievement_doc = _achievement(achievement, score)
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if recipient.id is not None:
        subject["id"] = recipient.id
    if recipient.email is not None:
        salt = recipient.salt or secrets.token_hex(16)
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(recipient.email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ]
    subject["achievement"] = achievement_doc
    if score is not None:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": achievement_doc["resultDescription"][0]["id"],
                "value": score.value,
            }
        ]
    if activity_end is not None:
        subject["activityEndDate"] = format_datetime(activity_end)

    credential: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPE),
        "issuer": _profile(issuer),
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["name"] = name or achievement.name
    if description is not None:
        credential["description"] = description
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = [_evidence(item) for item in evidence]
    if credential_status is not None:
        credential["credentialStatus"] = dict(credential_status)
    return credential


def _profile(issuer: IssuerProfile) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": issuer.id, "type": ["Profile"], "name": issuer.name}
    if issuer.url is not None:
        profile["url"] = issuer.url
    if issuer.email is not None:
        profile["email"] = issuer.email
    if issuer.description is not None:
        profile["description"] = issuer.description
    if issuer.image_url is not None:
        profile["image"] = {"id": issuer.image_url, "type": "Image"}
    return profile


def _achievement(info: AchievementInfo, score: ScoreResult | None) -> dict[str, Any]:
    criteria: dict[str, Any] = {"narrative": info.criteria_narrative}
    if info.criteria_url is not None:
        criteria["id"] = info.criteria_url
    doc: dict[str, Any] = {
        "id": info.id,
        "type": ["Achievement"],
        "name": info.name,
        "description": info.description,
        "criteria": criteria,
    }
    if info.achievement_type is not None:
        doc["achievementType"] = info.achievement_type
    if info.image_url is not None:
        doc["image"] = {"id": info.image_url, "type": "Image"}
    if info.tags:
        doc["tag"] = list(info.tags)
    if score is not None:
        description: dict[str, Any] = {
            "id": f"{info.id}#result-{score.result_type.lower()}",
            "type": ["ResultDescription"],
            "name": score.name,
            "resultType": score.result_type,
        }
        if score.value_min is not None:
            description["valueMin"] = score.value_min
        if score.value_max is not None:
            description["valueMax"] = score.value_max
        doc["resultDescription"] = [description]
    return doc


def _evidence(item: EvidenceItem) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": ["Evidence"]}
    for key, value in (
        ("id", item.id),
        ("name", item.name),
        ("narrative", item.narrative),
        ("description", item.description),
    ):
        if value is not None:
            doc[key] = value
    if len(doc) == 1:
        raise ValueError("evidence needs an id, name, narrative or description")
    return doc


def sign_open_badge(
    credential: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    *,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Sign an OpenBadgeCredential (eddsa-rdfc-2022) in the shape the OB schema wants.

    Raises :class:`signing.ProofError` if the credential uses undefined terms.
    """
    return sign(credential, private_key, verification_method, created=created, proof_as_array=True)
