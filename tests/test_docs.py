"""docs/rules.md is generated from the rules' docstrings, and kept up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Type

import pytest

from mp_lint.docs import SECTIONS, docstring_sections, main, render, render_rule
from mp_lint.messages import en, zh
from mp_lint.rules import Rule, all_rules

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "rules.md"


def test_rules_page_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), "docs/rules.md is stale: run `python -m mp_lint.docs`"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_every_rule_docstring_has_the_four_sections(rule: Type[Rule]) -> None:
    assert list(docstring_sections(rule)) == list(SECTIONS)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_section_shows_code_name_messages_and_demo(rule: Type[Rule]) -> None:
    text = render_rule(rule)
    spawn = " *(spawn)*" if rule.spawn_only else ""
    assert text.startswith(f"## {rule.code} {rule.name}{spawn}\n")
    assert en.MESSAGES[rule.code] in text
    assert zh.MESSAGES[rule.code] in text
    assert [line for line in text.splitlines() if line.startswith("### ")] == [f"### {s}" for s in SECTIONS]
    assert text.rstrip().endswith(f"Demo: `mp-lint demo {rule.code}`")


class _Sample(Rule):
    """What it does: flags a sample.

    Why is this bad?
    It is only a sample.

    Example:
        if True:
            pool.map(lambda x: x, data)

    Use instead:
        def double(x):
            return 2 * x

    or leave the sample alone.
    """

    code = "MPL999"
    name = "sample"


def test_sections_keep_code_indentation_and_set_a_closing_remark_apart() -> None:
    sections = docstring_sections(_Sample)
    assert sections == {
        "What it does": "flags a sample.",
        "Why is this bad?": "It is only a sample.",
        "Example": "if True:\n    pool.map(lambda x: x, data)",
        "Use instead": "    def double(x):\n        return 2 * x\n\nor leave the sample alone.",
    }
    text = render_rule(_Sample)
    assert "```python\ndef double(x):\n    return 2 * x\n```\n\nor leave the sample alone.\n" in text


def test_check_option_fails_on_a_stale_page_and_passes_once_written(tmp_path: Path) -> None:
    page = tmp_path / "rules.md"
    assert main(["--check", str(page)]) == 1  # missing
    page.write_text(render().replace("MPL201", "MPL2O1", 1), encoding="utf-8")
    assert main(["--check", str(page)]) == 1  # edited by hand
    assert main([str(page)]) == 0
    assert main(["--check", str(page)]) == 0
    assert page.read_text(encoding="utf-8") == render()


def test_module_runs_as_a_command_from_the_repository_root() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mp_lint.docs", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stderr) == (0, "")
