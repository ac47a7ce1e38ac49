"""What the frontend's Stripe.js does to pay, against the Stripe stand-in.

Stripe.js (confirmCardPayment) turns the card into a PaymentMethod and confirms
the PaymentIntent named by the client secret, with the publishable key.
localstripe implements that as three calls (its confirm takes no
payment_method) and accepts a publishable key on none of them, so this stand-in
for the browser uses a test secret key of its own: not the payments service's.
"""

from __future__ import annotations

import httpx

# A key the Stripe stand-in accepts; never a real one.
BROWSER_TEST_KEY = "sk_test_credmarket_browser"
TEST_CARD_OK = "4242424242424242"
# The card localstripe declines through a PaymentIntent.
TEST_CARD_DECLINED = "4000000000000341"


def intent_id_from_client_secret(client_secret: str) -> str:
    return client_secret.split("_secret_", 1)[0]


async def confirm_card_payment(
    http: httpx.AsyncClient,
    stripe_api_base: str,
    api_key: str,
    client_secret: str,
    card: str,
) -> str:
    """Pay with a card; returns the PaymentIntent's status as Stripe reports it."""
    auth = {"Authorization": f"Bearer {api_key}"}
    intent = intent_id_from_client_secret(client_secret)
    pm = await http.post(
        f"{stripe_api_base}/v1/payment_methods",
        headers=auth,
        data={
            "type": "card",
            "card[number]": card,
            "card[exp_month]": "12",
            "card[exp_year]": "2034",
            "card[cvc]": "123",
        },
    )
    pm.raise_for_status()
    attach = await http.post(
        f"{stripe_api_base}/v1/payment_intents/{intent}",
        headers=auth,
        data={"payment_method": pm.json()["id"]},
    )
    attach.raise_for_status()
    confirmed = await http.post(
        f"{stripe_api_base}/v1/payment_intents/{intent}/confirm", headers=auth
    )
    if confirmed.status_code == 402:  # card declined: the intent stays payable
        current = await http.get(f"{stripe_api_base}/v1/payment_intents/{intent}", headers=auth)
        return str(current.json()["status"])
    confirmed.raise_for_status()
    return str(confirmed.json()["status"])
