"""`python -m payments`: serve the payments service on its port."""

from __future__ import annotations

from credmarket_platform.http.serving import serve

from payments.settings import PaymentsSettings


def main() -> None:
    serve(PaymentsSettings(), "payments.app:create_app")


if __name__ == "__main__":
    main()
