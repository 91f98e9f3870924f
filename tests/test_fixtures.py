"""Every fixture file yields exactly the findings its comments expect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fixture_format import expected_findings, fixture_config, fixture_files
from mp_lint.engine import lint_source
from mp_lint.rules import registered_codes

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = fixture_files(ROOT)


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_fixture_findings_match_inline_expectations(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    expected = expected_findings(source)
    missing = {code for _, code in expected} - registered_codes()
    if missing:
        pytest.xfail(f"no rule yet for {sorted(missing)}")
    findings = lint_source(source, str(path), fixture_config(source))
    actual = {(finding.line, finding.code) for finding in findings}
    assert sorted(actual) == sorted(expected)


def test_every_rule_has_a_fixture_with_positives() -> None:
    covered = set()
    for path in FIXTURES:
        covered |= {code for _, code in expected_findings(path.read_text(encoding="utf-8"))}
    assert registered_codes() <= covered


@pytest.mark.parametrize("code", sorted(registered_codes()))
def test_every_rule_has_its_own_fixture_file(code: str) -> None:
    names = [path.name for path in FIXTURES if re.match(code.lower() + r"_", path.name)]
    assert names, f"fixtures/{code.lower()}_<name>.py is missing"
