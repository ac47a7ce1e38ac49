"""``python -m benchmarks.purchase_flow``: the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
from pathlib import Path

from benchmarks import purchase_flow
from benchmarks.common import stop_cleanly_on_sigterm
from benchmarks.purchase_flow.analysis import summary
from benchmarks.purchase_flow.run import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(description=(purchase_flow.__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="flows per phase")
    parser.add_argument(
        "--rate", type=float, default=None, help="fixed phase, flows/s (default: half of max)"
    )
    parser.add_argument("--max-inflight", type=int, default=100)
    parser.add_argument("--webhook", choices=("self", "localstripe"), default="self")
    parser.add_argument(
        "--localstripe-n", type=int, default=200, help="flows with localstripe's own delivery"
    )
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--shared-stripe", action="store_true", help="use the stack's localstripe, not a fresh one"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="per flow, seconds")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    stop_cleanly_on_sigterm()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    result = asyncio.run(
        run(
            Options(
                n=args.n,
                rate=args.rate,
                max_inflight=args.max_inflight,
                webhook=args.webhook,
                localstripe_n=args.localstripe_n,
                log_level=args.log_level,
                timeout_s=args.timeout,
                shared_stripe=args.shared_stripe,
            )
        )
    )
    print(summary(result))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
