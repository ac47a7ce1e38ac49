"""Stripe.js's card payment in a browser, against the stand-in (ADR 0026).

localstripe serves a Stripe.js mock under /js.stripe.com/v3/ with a card element, but
its `confirmCardPayment` only answers a 3-D Secure challenge: it cannot pay an intent
with the card typed into the element, and the stand-in takes a publishable key on no
PaymentIntent call. Real Stripe.js confirms the intent named by the client secret, with
the publishable key and the card as `payment_method_data`, in one call. Here:

- `POST /v1/payment_intents/{id}/confirm` without a secret key but with `key=pk_…`, the
  intent's `client_secret` and `payment_method_data[card][…]` makes the PaymentMethod,
  attaches it and confirms, as Stripe does (a decline is a 402 card error, and the
  intent takes another card: localstripe_server.allow_retry_after_decline);
- the mock served under /js.stripe.com/v3/ gets a `confirmCardPayment(clientSecret,
  {payment_method: {card: element}})` that makes that call (and falls back to the
  mock's own 3-D Secure answer when the intent asks for it).

So a page pays exactly as it would with Stripe.js, and the webhooks that follow are the
stand-in's usual ones.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import localstripe
from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app, json_response, unflatten_data

_CONFIRM = re.compile(r"^/v1/payment_intents/(pi_\w+)/confirm$")
_MOCK = Path(localstripe.__file__).parent / "localstripe-v3.js"

_CONFIRM_CARD_PAYMENT = """
// credmarket (infra/src/credmarket_infra/stack/localstripe_browser.py): confirm a
// PaymentIntent with the card typed into the element, as Stripe.js does.
(function () {
  const mockStripe = Stripe;
  Stripe = function (apiKey, options) {
    const stripe = mockStripe(apiKey, options);
    const authenticate = stripe.confirmCardPayment;
    stripe.confirmCardPayment = async (clientSecret, data) => {
      const element = data && data.payment_method && data.payment_method.card;
      if (!element || !element.value) return authenticate(clientSecret, data);
      const card = element.value.card;
      const intent = clientSecret.match(/^(pi_\\w+)_secret_/)[1];
      const form = new URLSearchParams({
        key: apiKey,
        client_secret: clientSecret,
        "payment_method_data[type]": "card",
        "payment_method_data[card][number]": card.number,
        "payment_method_data[card][exp_month]": card.exp_month,
        "payment_method_data[card][exp_year]": card.exp_year,
        "payment_method_data[card][cvc]": card.cvc,
      });
      const response = await fetch(
        `${LOCALSTRIPE_BASE_API}/v1/payment_intents/${intent}/confirm`,
        { method: "POST", body: form },
      );
      const body = await response.json().catch(() => ({}));
      if (!response.ok || body.error) return { error: body.error || { message: "failed" } };
      if (body.status === "requires_action") return authenticate(clientSecret, data);
      return { paymentIntent: body };
    };
    return stripe;
  };
  window.Stripe = Stripe;
})();
"""


def _card_error(error: UserError) -> web.Response:
    return cast(web.Response, error.to_response())


async def _confirm_in_browser(request: web.Request, intent_id: str) -> web.Response:
    data: dict[str, Any] = unflatten_data(await request.post())
    key, secret = data.get("key"), data.get("client_secret")
    method = data.get("payment_method_data") or {}
    card = method.get("card") if isinstance(method, dict) else None
    try:
        intent = resources.PaymentIntent._api_retrieve(intent_id)
        if not (isinstance(key, str) and key.startswith("pk_")) or secret != intent.client_secret:
            raise UserError(401, "Unauthorized")
        if not isinstance(card, dict):
            raise UserError(400, "Bad request")
        payment_method = resources.PaymentMethod._api_create(type="card", card=dict(card))
        resources.PaymentIntent._api_update(intent_id, payment_method=payment_method.id)
        confirmed = resources.PaymentIntent._api_confirm(intent_id)
    except UserError as error:
        return _card_error(error)
    return cast(web.Response, json_response(confirmed._export()))


def install() -> None:
    @web.middleware
    async def browser_confirm(request: web.Request, handler: Any) -> web.StreamResponse:
        match = _CONFIRM.match(request.path)
        if (
            request.method == "POST"
            and match is not None
            and "Authorization" not in request.headers
        ):
            return await _confirm_in_browser(request, match.group(1))
        if request.method == "GET" and request.path == "/js.stripe.com/v3/":
            return web.Response(
                text=_MOCK.read_text() + _CONFIRM_CARD_PAYMENT,
                content_type="application/javascript",
            )
        return cast(web.StreamResponse, await handler(request))

    # In front of localstripe's own: its auth refuses a publishable key here.
    app.middlewares.insert(0, browser_confirm)
