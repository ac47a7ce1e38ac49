"""Load the independent verifier by path (tests run in importlib mode, no packages)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_PATH = Path(__file__).with_name("independent_verifier.py")


def load_independent_verifier() -> ModuleType:
    """The verifier module; other test suites (e2e) may call this too."""
    name = "independent_verifier"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _PATH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def iv() -> ModuleType:
    return load_independent_verifier()
