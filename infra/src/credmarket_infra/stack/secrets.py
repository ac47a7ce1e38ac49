"""Dev-only secrets of the local system, made once per stack and kept in `.stack/`.

Random per machine rather than constants in code, so nothing secret is committed
and a leaked dev value is useless elsewhere.
"""

from __future__ import annotations

import base64
import os
import secrets

from credmarket_infra.stack.config import StackConfig
from credmarket_infra.stack.envfile import parse_env


def _new_values() -> dict[str, str]:
    return {
        "CREDMARKET_JWT_DEV_SECRET": secrets.token_urlsafe(32),
        "CREDMARKET_CATALOG_SIGNING_KEK": base64.b64encode(os.urandom(32)).decode(),
        "CREDMARKET_ISSUANCE_KEK": base64.b64encode(os.urandom(32)).decode(),
        "CREDMARKET_STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(24),
    }


def dev_secrets(config: StackConfig) -> dict[str, str]:
    """The stack's secrets, created on first use; missing ones are added, none rotated."""
    path = config.stack_dir / "secrets.env"
    current = parse_env(path.read_text()) if path.exists() else {}
    wanted = {**_new_values(), **current}
    if wanted != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = "# Dev-only secrets of this machine's local stack. Never use them elsewhere.\n"
        body += "".join(f"{k}={v}\n" for k, v in sorted(wanted.items()))
        path.write_text(body)
        path.chmod(0o600)
    return wanted
