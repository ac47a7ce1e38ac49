"""Print a development bearer token signed with the dev secret.

    uv run python -m credmarket_platform.auth.dev_token --role learner --sub <uuid>

Refuses to run unless ``CREDMARKET_JWT_DEV_SECRET`` is configured: there is no
built-in secret to fall back to.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import timedelta
from typing import cast, get_args

from credmarket_platform.auth.principal import Role
from credmarket_platform.auth.tokens import mint_token
from credmarket_platform.settings import ServiceSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--role", required=True, choices=get_args(Role))
    parser.add_argument("--sub", default=None, help="subject (default: a new UUID)")
    parser.add_argument("--email", default=None)
    parser.add_argument("--name", default=None)
    parser.add_argument("--issuer", default=None, help="default: first of CREDMARKET_JWT_ISSUERS")
    parser.add_argument("--ttl-minutes", type=int, default=60)
    args = parser.parse_args(argv)

    # Minting a dev token is development by definition (the secret needs dev mode).
    settings = ServiceSettings(dev_mode=True)
    if settings.jwt_dev_secret is None:
        print("CREDMARKET_JWT_DEV_SECRET is not set; refusing to mint a token.", file=sys.stderr)
        return 2
    issuer = args.issuer or settings.jwt_issuers.split(",")[0].strip()
    token = mint_token(
        args.sub or str(uuid.uuid4()),
        cast(Role, args.role),
        issuer=issuer,
        audience=settings.jwt_audience,
        secret=settings.jwt_dev_secret.get_secret_value(),
        ttl=timedelta(minutes=args.ttl_minutes),
        email=args.email,
        name=args.name,
    )
    print(token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
