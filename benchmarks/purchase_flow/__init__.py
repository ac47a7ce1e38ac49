"""Purchase to credential: flows per second and the latency of every hop.

    uv run python -m benchmarks.purchase_flow [--n 2000] [--rate R] [--max-inflight 100]
        [--webhook self|localstripe] [--out result.json]

Starts its own `System` (the four services as separate processes, each with its own
database and its own copy of every topic) on the local stack's broker, PostgreSQL and
localstripe, so it shares nothing with the developer's running services. Then drives
N paid purchases as the frontend, Stripe.js, Stripe and the provider would:

1. learner: ``POST /v1/enrollments`` (a fresh learner per flow, one paid offering);
2. payments creates the PaymentIntent at localstripe and emits PaymentInitiated;
3. Stripe.js: payment method, attach, confirm at localstripe (three calls);
4. Stripe: the ``payment_intent.succeeded`` webhook, either delivered by this driver
   right after the confirm, signed exactly as Stripe signs (``t=…,v1=HMAC-SHA256``
   over ``"{t}.{payload}"`` with the endpoint secret; payments checks it with the
   Stripe SDK) — ``--webhook self``, the default — or by localstripe itself, which
   sleeps 1 s before every delivery (``--webhook localstripe``);
5. payments emits PaymentSucceeded, enrollment activates (EnrollmentActivated);
6. provider: ``POST /v1/enrollments/{id}/completion``; enrollment emits
   EnrollmentCompleted; issuance signs the credential and emits CredentialIssued.

The driver learns of PaymentInitiated, EnrollmentActivated and CredentialIssued from
the system's topics (a plain consumer standing in for the frontend's notifications)
instead of polling ``GET /v1/enrollments/{id}``, so it adds no read load. After the
run it reads every event of every flow from the topics once more and takes their
``ce_time`` headers (set when the emitting transaction ran) and the record timestamps
(set when the relay published): hop latencies join those with client timestamps,
all wall-clock on this one machine.

Two phases: ``max`` starts N flows as fast as ``--max-inflight`` allows and reports
completed flows/s; then ``fixed`` offers ``--rate`` flows/s (open loop: a flow starts
on schedule whatever the others are doing), by default half the rate ``max`` sustained.
Each phase records the CPU each component used (``benchmarks/cpu.py``) per flow.
A raw floor runs in the same process: aiokafka produce→consume round trip (acks=all,
idempotent producer) and one PostgreSQL commit (single-row INSERT) on the same broker
and server.

The package, one job a module: ``driver`` (the actors, one flow from purchase to
credential, the phases), ``stripe_js`` (the browser's payment), ``system_setup`` (the
system, its provider and offering, localstripe), ``floor`` (the raw floor), ``analysis``
(hops and the summary), ``run`` (the phases in order), ``cli`` (the command line).
"""
