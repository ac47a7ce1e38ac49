from uuid import UUID, uuid4

from payments.domain.stripe_params import (
    IntentRequest,
    cancel_intent_key,
    create_intent_key,
    payment_intent_params,
    refund_key,
    refund_params,
)


def request(account: str | None = None) -> IntentRequest:
    return IntentRequest(
        payment_id=UUID(int=1),
        enrollment_id=UUID(int=2),
        learner_id=UUID(int=3),
        offering_id=UUID(int=4),
        provider_id=UUID(int=5),
        amount=4900,
        currency="EUR",
        provider_account=account,
        platform_fee=735,
    )


def test_keys_derive_from_our_ids() -> None:
    e = uuid4()
    assert create_intent_key(e) == f"pi-create-{e}"
    assert cancel_intent_key(e) == f"pi-cancel-{e}"
    assert refund_key(e) == f"refund-create-{e}"


def test_real_stripe_params_with_connected_account() -> None:
    params = payment_intent_params(request("acct_123"), localstripe=False)
    assert params["amount"] == 4900
    assert params["currency"] == "eur"
    assert params["payment_method_types"] == ["card"]
    assert params["transfer_data"] == {"destination": "acct_123"}
    assert params["application_fee_amount"] == 735
    assert params["description"].endswith(str(UUID(int=2)))
    assert params["metadata"] == {
        "payment_id": str(UUID(int=1)),
        "enrollment_id": str(UUID(int=2)),
        "learner_id": str(UUID(int=3)),
        "offering_id": str(UUID(int=4)),
        "provider_id": str(UUID(int=5)),
    }


def test_real_stripe_params_without_account_have_no_connect_fields() -> None:
    params = payment_intent_params(request(), localstripe=False)
    assert "transfer_data" not in params
    assert "application_fee_amount" not in params


def test_localstripe_params_leave_out_what_it_rejects() -> None:
    params = payment_intent_params(request("acct_123"), localstripe=True)
    assert set(params) == {"amount", "currency", "metadata", "payment_method_types"}


def test_params_are_deterministic() -> None:
    assert payment_intent_params(request("acct_1"), localstripe=False) == payment_intent_params(
        request("acct_1"), localstripe=False
    )


def test_refund_params() -> None:
    r, p = uuid4(), uuid4()
    plain = refund_params(
        payment_intent_id="pi_1", amount=10, refund_id=r, payment_id=p, connected=False
    )
    assert plain == {
        "payment_intent": "pi_1",
        "amount": 10,
        "metadata": {"refund_id": str(r), "payment_id": str(p)},
    }
    connected = refund_params(
        payment_intent_id="pi_1", amount=10, refund_id=r, payment_id=p, connected=True
    )
    assert connected["reverse_transfer"] is True
    assert connected["refund_application_fee"] is True
