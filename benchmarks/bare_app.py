"""The framework's floor: a FastAPI app with one constant endpoint, served like the services.

    uv run python -m benchmarks.bare_app --port 8099

Same uvicorn call as every service's ``__main__`` (``uvicorn.run(app, host="0.0.0.0",
port=…, log_config=None)``: one process, one event loop, uvloop/httptools when
installed), so the figures of the real endpoints are ratios to this one.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/constant")
async def constant() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/constant")
async def constant_post(body: dict[str, object]) -> dict[str, int]:
    return {"keys": len(body)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    uvicorn.run(app, host="0.0.0.0", port=args.port, log_config=None)  # noqa: S104


if __name__ == "__main__":
    main()
