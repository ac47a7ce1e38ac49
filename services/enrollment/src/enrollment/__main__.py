"""`python -m enrollment`: serve the enrollment service on its port."""

from __future__ import annotations

from credmarket_platform.http.serving import serve

from enrollment.settings import EnrollmentSettings


def main() -> None:
    serve(EnrollmentSettings(), "enrollment.app:create_app")


if __name__ == "__main__":
    main()
