"""Our one door to Stripe: a ``stripe.StripeClient`` and the few calls we make.

The rest of the service sees plain dataclasses, never SDK objects, so handlers and
tests do not depend on the SDK's object model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import stripe

from payments.settings import PaymentsSettings

log = logging.getLogger(__name__)

# Real Stripe's search lags writes by up to a minute; listing is the fallback that
# also works on localstripe, which has no search endpoint.
LIST_PAGE_SIZE = 100
LIST_MAX_PAGES = 50


@dataclass(frozen=True, slots=True)
class IntentInfo:
    id: str
    status: str
    client_secret: str | None
    amount: int
    currency: str
    failure_reason: str | None = None
    decline_code: str | None = None


@dataclass(frozen=True, slots=True)
class RefundInfo:
    id: str
    status: str
    amount: int


def _plain(obj: Any) -> dict[str, Any]:
    # StripeObjects are not dicts since SDK v13: read them as plain data.
    plain: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return plain


def _intent(obj: Any) -> IntentInfo:
    pi = _plain(obj)
    error = pi.get("last_payment_error") or {}
    return IntentInfo(
        id=str(pi["id"]),
        status=str(pi["status"]),
        client_secret=pi.get("client_secret"),
        amount=int(pi["amount"]),
        currency=str(pi["currency"]),
        failure_reason=error.get("message") if error else None,
        decline_code=(error.get("decline_code") or error.get("code")) if error else None,
    )


def _metadata(obj: Any) -> dict[str, str]:
    meta = _plain(obj).get("metadata") or {}
    return {str(k): str(v) for k, v in dict(meta).items()}


def make_stripe_client(settings: PaymentsSettings, http: stripe.HTTPXClient) -> stripe.StripeClient:
    base: dict[str, str] = {}
    if settings.stripe_api_base:
        base["api"] = settings.stripe_api_base.rstrip("/")
    return stripe.StripeClient(
        settings.stripe_api_key.get_secret_value(),
        base_addresses=base,  # type: ignore[arg-type]
        http_client=http,
        max_network_retries=settings.stripe_max_network_retries,
    )


class StripeGateway:
    def __init__(self, client: stripe.StripeClient, http: stripe.HTTPXClient | None = None) -> None:
        self.client = client
        self._http = http

    @classmethod
    def from_settings(cls, settings: PaymentsSettings) -> StripeGateway:
        # An instance, not the SDK's module globals, so two configurations can coexist
        # (e.g. tests against localstripe next to a real key in a shell).
        http = stripe.HTTPXClient(timeout=settings.stripe_timeout_s)
        return cls(make_stripe_client(settings, http), http)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close_async()  # type: ignore[no-untyped-call]

    async def create_intent(self, params: dict[str, Any], idempotency_key: str) -> IntentInfo:
        # Every purchase's call: the answer is read as the JSON it is. The typed
        # payment_intents.create_async sends the same request (same encoding, retries
        # and errors) but builds a requestor per call and a tree of StripeObjects from
        # the answer, which _intent only turns back into a dict.
        answer = await self.client.raw_request_async(
            "post", "/v1/payment_intents", **params, idempotency_key=idempotency_key
        )
        return _intent(answer.data)

    async def retrieve_intent(self, intent_id: str) -> IntentInfo:
        return _intent(await self.client.v1.payment_intents.retrieve_async(intent_id))

    async def find_intent_for_enrollment(self, enrollment_id: UUID) -> IntentInfo | None:
        """The intent an earlier attempt may have created before dying, if any."""
        wanted = str(enrollment_id)
        try:
            found = await self.client.v1.payment_intents.search_async(
                {"query": f"metadata['enrollment_id']:'{wanted}'", "limit": 10}
            )
            for pi in found.data:
                if _metadata(pi).get("enrollment_id") == wanted:
                    return _intent(pi)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:
                raise
            log.debug("no PaymentIntent search here; listing instead")
        starting_after: str | None = None
        for _ in range(LIST_MAX_PAGES):
            params: dict[str, Any] = {"limit": LIST_PAGE_SIZE}
            if starting_after:
                params["starting_after"] = starting_after
            page = await self.client.v1.payment_intents.list_async(params)  # type: ignore[arg-type]
            for pi in page.data:
                if _metadata(pi).get("enrollment_id") == wanted:
                    return _intent(pi)
            if not page.has_more or not page.data:
                return None
            starting_after = page.data[-1].id
        log.warning("gave up listing PaymentIntents for enrollment %s", wanted)
        return None

    async def cancel_intent(self, intent_id: str, idempotency_key: str) -> IntentInfo:
        """Cancel; an intent already canceled (or already paid) is reported, not an error."""
        try:
            pi = await self.client.v1.payment_intents.cancel_async(
                intent_id, options={"idempotency_key": idempotency_key}
            )
            return _intent(pi)
        except stripe.InvalidRequestError:
            current = await self.retrieve_intent(intent_id)
            if current.status in ("canceled", "succeeded"):
                return current
            raise

    async def create_refund(self, params: dict[str, Any], idempotency_key: str) -> RefundInfo:
        refund = await self.client.v1.refunds.create_async(
            params,  # type: ignore[arg-type]
            {"idempotency_key": idempotency_key},
        )
        return RefundInfo(id=refund.id, status=str(refund.status), amount=int(refund.amount))

    @staticmethod
    def verify_webhook(payload: bytes, signature: str | None, secret: str, tolerance: int) -> None:
        """Raises stripe.SignatureVerificationError (or ValueError for a body that is not
        UTF-8). Only the signature: the caller reads the body once, as plain JSON, where
        the SDK's construct_event would parse it again into a tree of StripeObjects."""
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance)
