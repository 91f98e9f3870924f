"""One set of codes everywhere: the catalogue (RULES.md), the registry, the
docs, the fixtures and the demos; and one name per code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Set

import pytest

from demos import registry
from mp_lint.rules import all_rules, registered_codes

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT.parent / "shared" / "RULES.md"

# A catalogue row: `| MPL101 (spawn) | process-start-at-import | ...`
_CATALOGUE_ROW = re.compile(r"^\|\s*(?P<code>MPL\d{3})(?:\s*\(spawn\))?\s*\|\s*(?P<name>[a-z0-9-]+)\s*\|", re.MULTILINE)
_DOCS_HEADING = re.compile(r"^## (?P<code>MPL\d{3}) (?P<name>[a-z0-9-]+)", re.MULTILINE)
_FIXTURE_NAME = re.compile(r"^(mpl\d{3})_")


def catalogue() -> Dict[str, str]:
    """code -> name from the product catalogue."""
    if not CATALOGUE.is_file():
        pytest.skip(f"the rule catalogue {CATALOGUE} is not beside this checkout")
    return {m["code"]: m["name"] for m in _CATALOGUE_ROW.finditer(CATALOGUE.read_text(encoding="utf-8"))}


def docs() -> Dict[str, str]:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    return {m["code"]: m["name"] for m in _DOCS_HEADING.finditer(text)}


def fixture_codes() -> Set[str]:
    """Codes with a fixture file of their own (`fixtures/mpl201_*.py`, notebooks too)."""
    names = (path.name for path in (ROOT / "fixtures").rglob("mpl*") if path.suffix in (".py", ".ipynb"))
    return {match.group(1).upper() for match in map(_FIXTURE_NAME.match, names) if match}


def registry_names() -> Dict[str, str]:
    return {rule.code: rule.name for rule in all_rules()}


def demo_names() -> Dict[str, str]:
    return {demo.code: demo.name for demo in registry.all_demos()}


def _catalogue_rows() -> Dict[str, str]:
    """The catalogue at collection time (empty when it is not beside this checkout)."""
    if not CATALOGUE.is_file():
        return {}
    return {m["code"]: m["name"] for m in _CATALOGUE_ROW.finditer(CATALOGUE.read_text(encoding="utf-8"))}


def _spawn_marked() -> Set[str]:
    text = CATALOGUE.read_text(encoding="utf-8")
    return set(re.findall(r"^\|\s*(MPL\d{3}) \(spawn\)", text, flags=re.MULTILINE))


# One test per catalogue code: a code the catalogue lists ahead of its
# implementation is an expected failure that names it (a known gap); any other
# mismatch for that code fails.
@pytest.mark.parametrize("code", sorted(_catalogue_rows()) or ["(no catalogue)"])
def test_catalogue_code_is_implemented_with_its_name_docs_fixture_demo_and_mark(code: str) -> None:
    names = catalogue()  # skips without it
    registered = registry_names()
    if code not in registered:
        pytest.xfail(f"known gap: {code} {names[code]} is in RULES.md but not implemented yet")
    assert registered[code] == names[code]
    assert docs().get(code) == names[code]
    assert demo_names().get(code) == names[code]
    assert code in fixture_codes()
    spawn_only = {rule.code: rule.spawn_only for rule in all_rules()}
    assert spawn_only[code] == (code in _spawn_marked())


def test_every_registered_code_is_in_the_catalogue() -> None:
    names = catalogue()
    assert set(registered_codes()) - set(names) == set()
    assert len(registered_codes()) >= 17


@pytest.mark.parametrize("part", ["docs", "fixtures", "demos"])
def test_docs_fixtures_and_demos_cover_exactly_the_registered_codes(part: str) -> None:
    found = {"docs": lambda: set(docs()), "fixtures": fixture_codes, "demos": lambda: set(registry.codes())}[part]()
    assert sorted(found) == sorted(registered_codes())
