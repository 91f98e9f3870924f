"""Shared test setup: surface internal errors instead of swallowing them."""

import os
import tempfile
from pathlib import Path

import pytest

# The engine hides internal errors from flake8 users; tests want to see them.
os.environ.setdefault("MP_LINT_DEBUG", "1")
# Summaries of imported modules are cached on disk; keep the tests' cache out of the repository.
os.environ.setdefault("MP_LINT_CACHE_DIR", tempfile.mkdtemp(prefix="mp-lint-test-cache-"))

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return ROOT
