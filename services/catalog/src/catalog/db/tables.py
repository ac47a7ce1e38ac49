"""Catalog's tables, on its own MetaData (next to the platform's outbox/inbox tables).

Plain SQLAlchemy Core rather than SQLModel classes: the search column is a generated
``tsvector`` with partial and GIN indexes, which SQLModel can only express through
SQLAlchemy anyway, and SQLModel's shared global metadata would mix every service's
tables in one process.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, JSONB, TSVECTOR, UUID

catalog_metadata = sa.MetaData()

TS = sa.DateTime(timezone=True)

providers = sa.Table(
    "providers",
    catalog_metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("website", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("logo_url", sa.Text),
    sa.Column("contact_email", sa.Text, nullable=False),
    sa.Column("registered_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

provider_api_keys = sa.Table(
    "provider_api_keys",
    catalog_metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("provider_id", UUID(as_uuid=True), sa.ForeignKey("providers.id"), nullable=False),
    # The lookup handle of a presented key; the secret is only ever stored hashed.
    sa.Column("prefix", sa.String(16), nullable=False, unique=True),
    sa.Column("secret_hash", BYTEA, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("last_used_at", TS),
    # Set when a rotation keeps the old key alive for a grace period.
    sa.Column("expires_at", TS),
    sa.Column("revoked_at", TS),
    sa.Index("ix_provider_api_keys_provider", "provider_id", "created_at"),
)

signing_keys = sa.Table(
    "signing_keys",
    catalog_metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("algorithm", sa.String(16), nullable=False),
    sa.Column("public_jwk", JSONB, nullable=False),
    # AES-GCM under the key-encryption key from settings; the kid is the associated data.
    sa.Column("private_key_ciphertext", BYTEA, nullable=False),
    sa.Column("nonce", BYTEA, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    # When it stopped signing; its public key stays published until its tokens expire.
    sa.Column("retired_at", TS),
    # At most one signing key at a time, even with two replicas starting together.
    sa.Index(
        "uq_signing_keys_one_active",
        sa.literal_column("(retired_at IS NULL)"),
        unique=True,
        postgresql_where=sa.text("retired_at IS NULL"),
    ),
)

offerings = sa.Table(
    "offerings",
    catalog_metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("provider_id", UUID(as_uuid=True), sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    # 0 while a draft; the latest published version afterwards.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("skills", ARRAY(sa.Text), nullable=False),
    # The skills as one string: a generated column may only use immutable functions,
    # and array_to_string is not one.
    sa.Column("skills_text", sa.Text, nullable=False),
    sa.Column("level", sa.String(16)),
    sa.Column("duration_minutes", sa.Integer),
    sa.Column("language", sa.String(35)),
    sa.Column("price_amount", sa.BigInteger),
    sa.Column("price_currency", sa.String(3)),
    sa.Column("achievement", JSONB, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("published_at", TS),
    sa.Column("retired_at", TS),
    sa.Column(
        "search",
        TSVECTOR,
        sa.Computed(
            "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
            "setweight(to_tsvector('simple', skills_text), 'B') || "
            "setweight(to_tsvector('english', coalesce(description, '')), 'C')",
            persisted=True,
        ),
        nullable=False,
    ),
    sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name="ck_offering_status"),
    sa.CheckConstraint("price_amount IS NULL OR price_amount >= 0", name="ck_offering_price"),
    sa.Index("ix_offerings_provider", "provider_id", "created_at"),
    # Browse only ever reads published rows: partial indexes stay small and hot.
    sa.Index(
        "ix_offerings_search",
        "search",
        postgresql_using="gin",
        postgresql_where=sa.text("status = 'published'"),
    ),
    sa.Index(
        "ix_offerings_skills",
        "skills",
        postgresql_using="gin",
        postgresql_where=sa.text("status = 'published'"),
    ),
    sa.Index(
        "ix_offerings_newest",
        sa.text("published_at DESC"),
        sa.text("id DESC"),
        postgresql_where=sa.text("status = 'published'"),
    ),
    sa.Index(
        "ix_offerings_price",
        "price_amount",
        "id",
        postgresql_where=sa.text("status = 'published'"),
    ),
    sa.Index(
        "ix_offerings_currency_price",
        "price_currency",
        "price_amount",
        "id",
        postgresql_where=sa.text("status = 'published'"),
    ),
)

offering_versions = sa.Table(
    "offering_versions",
    catalog_metadata,
    sa.Column("offering_id", UUID(as_uuid=True), sa.ForeignKey("offerings.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    # Exactly what the event of this version carried: what its buyers bought.
    sa.Column("snapshot", JSONB, nullable=False),
    sa.Column("published_at", TS, nullable=False),
)

# Webhooks (ADR 0023): a provider's endpoints, their signing secrets, the enrollments
# the catalog has heard of (to route events that do not name the provider), and the
# messages to deliver with every attempt at them.

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    catalog_metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("provider_id", UUID(as_uuid=True), sa.ForeignKey("providers.id"), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("event_types", ARRAY(sa.Text), nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    # Why it is disabled: "provider", "ops" or "failing" (the retry window ran out).
    sa.Column("disabled_reason", sa.String(16)),
    sa.Column("disabled_at", TS),
    # The first failure since the last success; the window is counted from here.
    sa.Column("failing_since", TS),
    sa.Column("last_error", sa.Text),
    sa.Column("last_success_at", TS),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Column("deleted_at", TS),
    sa.Index("ix_webhook_endpoints_provider", "provider_id", "created_at"),
)

webhook_secrets = sa.Table(
    "webhook_secrets",
    catalog_metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column(
        "endpoint_id", UUID(as_uuid=True), sa.ForeignKey("webhook_endpoints.id"), nullable=False
    ),
    # AES-GCM under the catalog's KEK, the secret id as associated data: signing needs
    # the secret itself, so it cannot be stored hashed like an API key.
    sa.Column("ciphertext", BYTEA, nullable=False),
    sa.Column("nonce", BYTEA, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    # Null while current; set by a rotation to the end of the overlap window.
    sa.Column("expires_at", TS),
    sa.Index("ix_webhook_secrets_endpoint", "endpoint_id", "created_at"),
)

webhook_enrollments = sa.Table(
    "webhook_enrollments",
    catalog_metadata,
    sa.Column("enrollment_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("provider_id", UUID(as_uuid=True), nullable=False),
    # Which lifecycle steps were seen: a credential event waits for its step so that
    # the provider never hears of a credential before the completion that caused it.
    sa.Column("completed", sa.Boolean, nullable=False),
    sa.Column("revoked", sa.Boolean, nullable=False),
)

webhook_messages = sa.Table(
    "webhook_messages",
    catalog_metadata,
    # The order of enqueueing: messages of one ordering key go out in this order.
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    # The stable webhook-id: the same on every attempt and redelivery.
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column(
        "endpoint_id", UUID(as_uuid=True), sa.ForeignKey("webhook_endpoints.id"), nullable=False
    ),
    sa.Column("provider_id", UUID(as_uuid=True), nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("ordering_key", sa.Text, nullable=False),
    # The exact bytes signed and sent: the CloudEvent in JSON structured mode.
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("event_time", TS, nullable=False),
    sa.Column("enqueued_at", TS, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", TS, nullable=False),
    # A worker holds the message until then while it sends it.
    sa.Column("leased_until", TS),
    sa.Column("last_attempt_at", TS),
    sa.Column("delivered_at", TS),
    sa.CheckConstraint(
        "status IN ('pending', 'delivered', 'failed')", name="ck_webhook_message_status"
    ),
    sa.UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_messages_event"),
    sa.Index(
        "ix_webhook_messages_due",
        "next_attempt_at",
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index(
        "ix_webhook_messages_key",
        "endpoint_id",
        "ordering_key",
        "seq",
        postgresql_where=sa.text("status = 'pending'"),
    ),
    sa.Index("ix_webhook_messages_endpoint", "endpoint_id", "seq"),
)

webhook_attempts = sa.Table(
    "webhook_attempts",
    catalog_metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("message_seq", sa.BigInteger, sa.ForeignKey("webhook_messages.seq"), nullable=False),
    sa.Column("attempted_at", TS, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("response_excerpt", sa.Text),
    sa.Index("ix_webhook_attempts_message", "message_seq", "id"),
)
