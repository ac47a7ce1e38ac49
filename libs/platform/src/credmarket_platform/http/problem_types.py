"""The one catalogue of problem types every service and the gateway answer with.

A problem's ``type`` is a URN from this catalogue and its ``title`` is the catalogue's,
whatever the raising code passed: a client may branch on ``type`` and show ``title``,
and both stay the same from one release to the next (``detail`` explains the
occurrence). A generic type per status covers what has nothing more specific to say.
The merged OpenAPI lists the catalogue (``x-credmarket-problem-types``, shown at
``/docs/``) and every endpoint's error answers carry examples of the types it may give;
``tests/contract`` fails when code uses a type that is not here or one that no endpoint
documents. docs/api-style.md, ADR 0025.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "urn:credmarket:problem:"


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str

    @property
    def type(self) -> str:
        return PREFIX + self.slug

    def example(self, detail: str | None = None) -> dict[str, object]:
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": detail or self.description,
        }


def _p(slug: str, status: int, title: str, description: str) -> ProblemType:
    return ProblemType(slug, status, title, description)


# Generic: one per status, for answers that have nothing more specific to say.
BAD_REQUEST = _p("bad-request", 400, "Bad Request", "The request is malformed.")
MALFORMED_BODY = _p(
    "malformed-body", 400, "Malformed request body", "The request body is not valid JSON."
)
UNAUTHORIZED = _p(
    "unauthorized",
    401,
    "Unauthorized",
    "No valid credentials: a bearer token (or, for provider tokens, an API key) is "
    "missing, malformed, expired or from an untrusted issuer. `WWW-Authenticate` says which.",
)
FORBIDDEN = _p("forbidden", 403, "Forbidden", "The caller is authenticated but may not do this.")
# Learners and providers own records by id: a token whose subject is no UUID owns nothing
# (credmarket_platform.auth.subject_uuid, the same in every service).
SUBJECT_NOT_UUID = _p(
    "subject-not-uuid",
    403,
    "Unusable identity",
    "The token's subject must be a UUID for this role.",
)
NOT_FOUND = _p(
    "not-found",
    404,
    "Not Found",
    "Nothing at this URL that the caller may see (another party's resource is reported "
    "as missing, not forbidden).",
)
METHOD_NOT_ALLOWED = _p(
    "method-not-allowed", 405, "Method Not Allowed", "This URL does not take this method."
)
CONFLICT = _p("conflict", 409, "Conflict", "The resource's current state refuses this request.")
UNSUPPORTED_MEDIA_TYPE = _p(
    "unsupported-media-type",
    415,
    "Unsupported Media Type",
    "The request body is not of a type this endpoint takes.",
)
REQUEST_TOO_LARGE = _p(
    "request-too-large", 413, "Request body too large", "The request body is over the limit."
)
INVALID_REQUEST = _p(
    "invalid-request",
    422,
    "Invalid request",
    "Fields failed validation; `errors` has one entry per field (`field`, `message`, `type`).",
)
RATE_LIMITED = _p(
    "rate-limited",
    429,
    "Too many requests",
    "Over this endpoint's rate limit (gateway); wait `Retry-After` seconds.",
)
INTERNAL_ERROR = _p(
    "internal-error",
    500,
    "Internal Server Error",
    "The server failed; the error is logged under the response's `X-Correlation-Id`.",
)
UPSTREAM_UNAVAILABLE = _p(
    "upstream-unavailable",
    502,
    "Service unavailable",
    "The service behind this path did not answer (gateway); retry after `Retry-After`.",
)
TEMPORARILY_UNAVAILABLE = _p(
    "temporarily-unavailable",
    503,
    "Temporarily unavailable",
    "Something this request needs is briefly unavailable; repeat it after `Retry-After` "
    "seconds (with the same Idempotency-Key, where the endpoint takes one).",
)
OVERLOADED = _p(
    "overloaded",
    503,
    "Service overloaded",
    "This instance is at its in-flight limit; retry after `Retry-After` seconds.",
)
UPSTREAM_TIMEOUT = _p(
    "upstream-timeout",
    504,
    "Service timed out",
    "The service did not answer within the gateway's read timeout.",
)

# Idempotency-Key (platform, ADR 0007).
IDEMPOTENCY_KEY_MISSING = _p(
    "idempotency-key-missing",
    400,
    "Idempotency key required",
    "This endpoint requires an `Idempotency-Key` header.",
)
IDEMPOTENCY_KEY_INVALID = _p(
    "idempotency-key-invalid",
    400,
    "Invalid idempotency key",
    "`Idempotency-Key` must be 1-200 printable ASCII characters.",
)
IDEMPOTENCY_KEY_IN_FLIGHT = _p(
    "idempotency-key-in-flight",
    409,
    "Request in progress",
    "A request with this key is still being processed; retry shortly to get its answer.",
)
IDEMPOTENCY_KEY_REUSED = _p(
    "idempotency-key-reused",
    422,
    "Idempotency key reused",
    "This key was already used for a different request; use a new key for a new request.",
)

# Catalog.
INVALID_CONTENT = _p(
    "invalid-content",
    422,
    "Invalid content",
    "The offering's content breaks a catalog rule; `errors` names each field.",
)
OFFERING_ALREADY_PUBLISHED = _p(
    "already-published", 409, "Offering already published", "The offering is already published."
)
OFFERING_ALREADY_RETIRED = _p(
    "already-retired", 409, "Offering already retired", "The offering is already retired."
)
OFFERING_NOT_PUBLISHED = _p(
    "not-published", 409, "Offering not published", "A draft cannot be retired."
)
API_KEY_UNUSABLE = _p(
    "key-unusable",
    409,
    "API key unusable",
    "The API key to replace is already revoked or expired.",
)

WEBHOOK_ENDPOINT_DISABLED = _p(
    "webhook-endpoint-disabled",
    409,
    "Webhook endpoint disabled",
    "The webhook endpoint is disabled; enable it first.",
)
TOO_MANY_WEBHOOK_ENDPOINTS = _p(
    "too-many-webhook-endpoints",
    409,
    "Too many webhook endpoints",
    "The provider has as many webhook endpoints as it may.",
)

# Enrollment.
OFFERING_NOT_FOUND = _p(
    "offering-not-found",
    404,
    "Offering not found",
    "The offering named in the body is not (yet) known here.",
)
OFFERING_RETIRED = _p(
    "offering-retired", 409, "Offering retired", "The offering is retired: no changes, no sales."
)
OFFERING_VERSION_OUTDATED = _p(
    "offering-version-outdated",
    409,
    "Offering changed",
    "The offering changed since the version the learner saw; `current_version` and "
    "`current_price` say what it is now.",
)
OFFERING_VERSION_UNKNOWN = _p(
    "offering-version-unknown",
    409,
    "Offering version not available yet",
    "This version was published a moment ago and has not reached enrollment yet; retry "
    "after `Retry-After`.",
)
ALREADY_ENROLLED = _p(
    "already-enrolled",
    409,
    "Already enrolled",
    "The learner already has a live enrollment for this offering; `Location` and "
    "`enrollment_id` name it.",
)
ENROLLMENT_NOT_CANCELLABLE = _p(
    "enrollment-not-cancellable",
    409,
    "Cannot cancel",
    "Only an unpaid enrollment can be cancelled; a paid one ends through a refund.",
)
ENROLLMENT_NOT_ACTIVE = _p(
    "enrollment-not-active",
    409,
    "Cannot complete",
    "Only an active enrollment can be completed; `status_now` says where it is.",
)
EMAIL_REQUIRED = _p(
    "email-required",
    403,
    "Email required",
    "The learner's token carries no usable `email` claim; the credential is issued to it.",
)

# Payments.
REFUND_NOT_SUCCEEDED = _p(
    "refund-not-succeeded", 409, "Refund refused", "Only a succeeded payment can be refunded."
)
REFUND_NOT_YOURS = _p(
    "refund-not-yours", 404, "Refund refused", "No payment of the caller's with this id."
)
REFUND_WINDOW_CLOSED = _p(
    "refund-window-closed", 403, "Refund refused", "The refund window for this payment closed."
)
REFUND_NOTHING_LEFT = _p(
    "refund-nothing-left", 422, "Refund refused", "The payment is already refunded in full."
)
REFUND_TOO_MUCH = _p(
    "refund-too-much", 422, "Refund refused", "The amount is more than what is left to refund."
)
REFUND_NOT_POSITIVE = _p(
    "refund-not-positive", 422, "Refund refused", "A refund's amount must be positive."
)
REFUND_NOT_PAID = _p(
    "refund-not-paid", 502, "Stripe refused the refund", "Stripe refused the refund."
)
REFUND_UNCONFIRMED = _p(
    "refund-unconfirmed",
    503,
    "Refund not confirmed",
    "The refund was sent to Stripe but not confirmed; repeat the request with the same "
    "Idempotency-Key to finish it.",
)
WEBHOOK_SIGNATURE = _p(
    "webhook-signature",
    400,
    "Webhook refused",
    "The `Stripe-Signature` header is missing, malformed, stale or does not match.",
)

# Issuance.
CREDENTIAL_ALREADY_REVOKED = _p(
    "credential-already-revoked", 409, "Already revoked", "This credential is already revoked."
)
CREDENTIAL_REVOKED = _p(
    "credential-revoked",
    409,
    "Credential revoked",
    "A revoked credential cannot be sent to a wallet.",
)
UNKNOWN_CONTEXT = _p(
    "unknown-context",
    422,
    "Unknown JSON-LD context",
    "The credential names a JSON-LD context that is not one of the vendored ones, exactly.",
)
TOO_MANY_KEYS = _p(
    "too-many-keys",
    409,
    "Too many keys",
    "The issuer has as many keys as it may; ops review its keys before another is made.",
)
KEY_ROTATION_RATE_LIMITED = _p(
    "key-rotation-rate-limited",
    429,
    "Too many key rotations",
    "The issuer rotated its key as often as it may in 24 hours; retry after `Retry-After`.",
)
TOO_MANY_OFFERS = _p(
    "too-many-offers",
    429,
    "Too many open offers",
    "The credential has as many open wallet offers as it may; let one expire or use one.",
)

ALL: tuple[ProblemType, ...] = tuple(
    v for v in list(globals().values()) if isinstance(v, ProblemType)
)
BY_TYPE: dict[str, ProblemType] = {p.type: p for p in ALL}
# What an answer without a more specific type is, by status.
GENERIC: dict[int, ProblemType] = {
    p.status: p
    for p in (
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        CONFLICT,
        REQUEST_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        INVALID_REQUEST,
        RATE_LIMITED,
        INTERNAL_ERROR,
        UPSTREAM_UNAVAILABLE,
        TEMPORARILY_UNAVAILABLE,
        UPSTREAM_TIMEOUT,
    )
}


def generic(status: int) -> ProblemType:
    """The catalogue's type for a status with nothing more specific to say."""
    found = GENERIC.get(status)
    if found is not None:
        return found
    return BAD_REQUEST if status < 500 else INTERNAL_ERROR


def catalogue() -> list[dict[str, object]]:
    """The catalogue as the merged OpenAPI and /docs/ list it."""
    return [
        {"type": p.type, "status": p.status, "title": p.title, "description": p.description}
        for p in sorted(ALL, key=lambda p: (p.status, p.slug))
    ]
