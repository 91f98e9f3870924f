"""Shared test setup: surface internal errors instead of swallowing them."""

import os
from pathlib import Path

import pytest

# The engine hides internal errors from flake8 users; tests want to see them.
os.environ.setdefault("MP_LINT_DEBUG", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return ROOT
