"""What goes into a learner's credential, from the completion event.

The achievement travels by value in the event (the version the learner bought),
so the credential states exactly what was sold even after the offering changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from issuance.credentials.ob3 import AchievementInfo, EvidenceItem, Recipient, ScoreResult


@dataclass(frozen=True)
class Completion:
    """The parts of an enrollment-completed event a credential is made of."""

    enrollment_id: UUID
    offering_id: UUID
    learner_email: str
    achievement_id: str
    achievement_name: str
    achievement_description: str
    criteria_narrative: str
    achievement_image_url: str | None
    valid_for_days: int | None
    score: float | None
    evidence_url: str | None
    evidence_narrative: str | None
    completed_at: datetime


@dataclass(frozen=True)
class CredentialContent:
    achievement: AchievementInfo
    recipient: Recipient
    valid_from: datetime
    valid_until: datetime | None
    evidence: tuple[EvidenceItem, ...]
    score: ScoreResult | None
    activity_end: datetime


def achievement_uri(achievement_id: str, offering_id: UUID) -> str:
    """A URI for the achievement: the provider's own if it is one, else derived.

    OB requires ``Achievement.id`` to be a URI; catalog allows any stable id.
    """
    candidate = achievement_id.strip()
    scheme, sep, rest = candidate.partition(":")
    if sep and rest and scheme.isascii() and scheme[:1].isalpha() and " " not in candidate:
        return candidate
    return f"urn:uuid:{offering_id}"


def format_score(score: float) -> str:
    """A percent as OB ``Result.value`` text: ``87.5``, ``100``."""
    return f"{score:.2f}".rstrip("0").rstrip(".")


def credential_content(completion: Completion, issued_at: datetime) -> CredentialContent:
    """Everything but the issuer, the credential id and the status entry."""
    valid_until = (
        issued_at + timedelta(days=completion.valid_for_days)
        if completion.valid_for_days is not None
        else None
    )
    evidence: tuple[EvidenceItem, ...] = ()
    if completion.evidence_url is not None or completion.evidence_narrative is not None:
        evidence = (
            EvidenceItem(
                id=completion.evidence_url,
                name="Completion evidence",
                narrative=completion.evidence_narrative,
            ),
        )
    score = (
        ScoreResult(value=format_score(completion.score), value_min="0", value_max="100")
        if completion.score is not None
        else None
    )
    return CredentialContent(
        achievement=AchievementInfo(
            id=achievement_uri(completion.achievement_id, completion.offering_id),
            name=completion.achievement_name,
            description=completion.achievement_description,
            criteria_narrative=completion.criteria_narrative,
            image_url=completion.achievement_image_url,
            achievement_type="Certificate",
        ),
        # Email hashed with a fresh salt: the learner can prove it is theirs, nobody
        # can link their credentials to each other or look them up by email.
        recipient=Recipient(email=completion.learner_email),
        valid_from=issued_at,
        valid_until=valid_until,
        evidence=evidence,
        score=score,
        activity_end=completion.completed_at,
    )
