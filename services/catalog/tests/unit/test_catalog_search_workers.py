"""With several uvicorn workers, a replica is ready only once every worker's index is."""

import os
import tempfile
from pathlib import Path

import pytest
from catalog.search import read_model


def test_only_live_workers_that_marked_themselves_ready_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    assert read_model._ready_workers() == 0
    read_model._mark_worker_ready(True)
    assert read_model._ready_workers() == 1
    # A worker that died after marking itself ready (no such process) is not counted.
    (read_model._ready_dir() / str(2**22 + 12345)).touch()
    assert read_model._ready_workers() == 1
    read_model._mark_worker_ready(False)
    assert read_model._ready_workers() == 0
    assert read_model._ready_dir().name == f"catalog-search-ready-{os.getppid()}"
