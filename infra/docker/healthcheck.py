"""Container health check: GET http://127.0.0.1:<service port><path> must answer 2xx.

The images have no curl; the standard library is enough. Usage: healthcheck.py [/readyz]
"""

import os
import sys
import urllib.request

DEFAULT_PORTS = {"catalog": 8001, "enrollment": 8002, "payments": 8003, "issuance": 8004}


def main() -> int:
    service = os.environ["SERVICE"]
    port = os.environ.get(f"CREDMARKET_{service.upper()}_PORT") or DEFAULT_PORTS[service]
    path = sys.argv[1] if len(sys.argv) > 1 else "/readyz"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            return 0 if 200 <= response.status < 300 else 1
    except OSError as error:
        print(f"{service}{path}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
