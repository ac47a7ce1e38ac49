"""Throughput of the issuance credential core: sign and verify per second.

Run: uv run python benchmarks/issuance_core.py [seconds-per-phase]
Single process, single thread; verification includes schema, DID key lookup
(in-memory), proof, dates and a status-list check (cached after the first).
Verification is timed twice: credentials seen for the first time (the proof
canonicalised), and the same hundred credentials again (the proof found valid
before, ``issuance.credentials.proven_proofs``).
Also prints CPU milliseconds per operation (process time): on a machine shared
with other work, rates follow the load, CPU per operation much less so.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from issuance.credentials import did_web, ob3, signing, status_list
from issuance.credentials.keys import generate_private_key, public_key_multibase
from issuance.credentials.proven_proofs import proven_proofs
from issuance.credentials.verification import verify_credential

BASE = "https://credmarket.example"


def main(seconds: float) -> None:
    did = did_web.issuer_did(BASE, "acme")
    key = generate_private_key()
    method = f"{did}#key-1"
    document = did_web.build_did_document(
        did, [did_web.IssuerKey("key-1", public_key_multibase(key.public_key()))]
    )
    list_url = f"{BASE}/issuers/acme/status/1"
    now = datetime.now(UTC)
    list_credential = signing.sign(
        status_list.build_status_list_credential(
            list_url=list_url, issuer=did, status_list=status_list.StatusList(), valid_from=now
        ),
        key,
        method,
    )

    def build(i: int) -> dict[str, Any]:
        return ob3.build_open_badge_credential(
            credential_id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
            issuer=ob3.IssuerProfile(id=did, name="Acme", url="https://acme.example"),
            achievement=ob3.AchievementInfo(
                id="https://acme.example/achievements/py",
                name="Python 101",
                description="Writes small Python programs.",
                criteria_narrative="Completed the course.",
                image_url="https://acme.example/py.png",
            ),
            recipient=ob3.Recipient(email=f"learner{i}@example.com"),
            valid_from=now - timedelta(seconds=1),
            valid_until=now + timedelta(days=365),
            evidence=[ob3.EvidenceItem(narrative="Final project")],
            credential_status=status_list.build_status_entry(list_url, i),
        )

    ob3.sign_open_badge(build(0), key, method)  # warm the context caches
    signed: list[dict[str, Any]] = []
    start, cpu_start = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        signed.append(ob3.sign_open_badge(build(len(signed)), key, method))
    sign_rate = len(signed) / (time.perf_counter() - start)
    sign_cpu_ms = (time.process_time() - cpu_start) * 1000 / len(signed)

    resolve = lambda _did: document  # noqa: E731
    fetch = lambda _url: list_credential  # noqa: E731

    def verify_for(seconds: float, pick: Callable[[int], dict[str, Any]]) -> tuple[float, float]:
        count, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - start < seconds:
            result = verify_credential(
                pick(count), resolve_did=resolve, fetch_status_list=fetch, now=now
            )
            assert result.valid, result.as_dict()
            count += 1
        rate = count / (time.perf_counter() - start)
        return rate, (time.process_time() - cpu_start) * 1000 / count

    def first_time(i: int) -> dict[str, Any]:
        # A credential this process has not verified before: its proof is canonicalised.
        proven_proofs.clear()
        return signed[i % len(signed)]

    verify_rate, verify_cpu_ms = verify_for(seconds, first_time)
    again_rate, again_cpu_ms = verify_for(seconds, lambda i: signed[i % 100])

    rates = {
        "signed_per_s": round(sign_rate, 1),
        "verified_per_s": round(verify_rate, 1),
        "cpu_ms_per_sign": round(sign_cpu_ms, 3),
        "cpu_ms_per_verify": round(verify_cpu_ms, 3),
        "verified_again_per_s": round(again_rate, 1),
        "cpu_ms_per_verify_again": round(again_cpu_ms, 3),
    }
    print(json.dumps(rates))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 5.0)
