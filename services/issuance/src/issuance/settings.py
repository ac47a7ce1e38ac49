"""The issuance service's own settings, next to the ones every service shares."""

from __future__ import annotations

from credmarket_platform.kek import decode_kek, kek_setting, resolve_kek
from credmarket_platform.settings import ServiceSettings, service_alias, service_database_url
from pydantic import AliasChoices, Field, SecretStr

from issuance.credentials.keys import KeyEncryptionKeyRing
from issuance.credentials.status_list import MIN_ENTRIES

# DEVELOPMENT ONLY. A well-known key: anything it wraps is as good as plaintext.
# Used only when dev_mode is on and no KEK is configured.
DEV_KEK = b"credmarket-dev-kek-NOT-A-SECRET!"
DEV_KEK_ID = "dev"


class IssuanceSettings(ServiceSettings):
    service_name: str = "issuance"
    port: int = Field(default=8004, validation_alias=service_alias("issuance", "PORT"))
    database_url: str = service_database_url("issuance")
    public_base_url: str = Field(
        default="http://127.0.0.1:8004",
        validation_alias=AliasChoices("CREDMARKET_ISSUANCE_PUBLIC_BASE_URL"),
        description="Where this service is reachable from the outside; did:web "
        "identifiers, credential and status list URLs are built from it.",
    )
    kek: SecretStr | None = kek_setting("CREDMARKET_ISSUANCE_KEK", seals="issuer signing keys")
    kek_id: str = Field(
        default="kek-1", validation_alias=AliasChoices("CREDMARKET_ISSUANCE_KEK_ID")
    )
    previous_keks: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CREDMARKET_ISSUANCE_PREVIOUS_KEKS"),
        description="Comma-separated `id=base64` KEKs still needed to unwrap older keys "
        "during a KEK rotation.",
    )
    status_list_size: int = Field(default=MIN_ENTRIES, ge=MIN_ENTRIES, multiple_of=8)
    # Issuers come from catalog on their own topic; a separate consumer group keeps
    # them flowing while a completion waits (retries) for its issuer.
    provider_consumer_group: str = "issuance-providers"
    max_verify_body_bytes: int = 256 * 1024
    # Each rotation adds a key to the DID document for good (ADR 0024).
    key_rotations_per_day: int = Field(default=3, ge=1)
    max_issuer_keys: int = Field(default=100, ge=2, le=1000)
    badge_host_consent_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CREDMARKET_ISSUANCE_BADGE_HOST_CONSENT_URL"),
        description="The frontend page where a learner approves a badge host's access "
        "(Open Badges 3.0 API); it receives ?request=<id>. Default: <public base>/storefront/, "
        "the reference storefront the dev stack's gateway serves; set it wherever the "
        "frontend is served from.",
    )

    def kek_ring(self) -> KeyEncryptionKeyRing:
        """The key-encryption keys; refuses to run without one outside dev mode."""
        keys: dict[str, bytes] = {}
        if self.previous_keks is not None:
            for pair in self.previous_keks.get_secret_value().split(","):
                if pair.strip():
                    kek_id, _, value = pair.strip().partition("=")
                    keys[kek_id.strip()] = decode_kek(
                        value, variable=f"CREDMARKET_ISSUANCE_PREVIOUS_KEKS ({kek_id.strip()})"
                    )
        current_id = self.kek_id if self.kek is not None else DEV_KEK_ID
        keys[current_id] = resolve_kek(
            self.kek, variable="CREDMARKET_ISSUANCE_KEK", dev_mode=self.dev_mode, dev_kek=DEV_KEK
        )
        return KeyEncryptionKeyRing(current_id=current_id, keys=keys)

    def provider_group(self) -> str:
        return f"{self.topic_prefix}{self.provider_consumer_group}"
