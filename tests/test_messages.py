"""Messages: both languages cover every code, every finding renders completely,
and `--mp-lang zh` works from the command line and config files of both commands."""

from __future__ import annotations

import io
import re
import string
import subprocess
import sys
from pathlib import Path
from typing import List, Set

import pytest

from fixture_format import fixture_config, fixture_files
from mp_lint.cli import lint_notebook, run
from mp_lint.config import Config
from mp_lint.engine import Finding, lint_source
from mp_lint.messages import en, zh
from mp_lint.rules import registered_codes

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")

BAD = """\
from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        pool.map(lambda x: x * x, range(4))
"""
CHINESE_MPL201 = "MPL201 通过 map() 交给子进程的 lambda 无法被 pickle；请改成在模块顶层用 def 定义的函数"


def placeholders(template: str) -> Set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def all_fixture_findings(lang: str) -> List[Finding]:
    found: List[Finding] = []
    for path in fixture_files(ROOT):
        source = path.read_text(encoding="utf-8")
        config = fixture_config(source)
        found += lint_source(source, str(path), Config(config.start_method, config.extra_process_apis, lang))
    for path in sorted((ROOT / "fixtures" / "notebooks").glob("*.ipynb")):
        found += [finding for _, finding in lint_notebook(path, Config(lang=lang))]
    return found


def test_both_languages_have_a_message_for_every_code() -> None:
    assert sorted(en.MESSAGES) == sorted(registered_codes())
    assert sorted(zh.MESSAGES) == sorted(registered_codes())


@pytest.mark.parametrize("code", sorted(zh.MESSAGES))
def test_chinese_message_uses_only_details_the_rule_gives(code: str) -> None:
    # A rule fills the English placeholders, plus `<name>_zh` translations of them.
    given = placeholders(en.MESSAGES[code])
    assert placeholders(zh.MESSAGES[code]) <= given | {f"{name}_zh" for name in given}


@pytest.mark.parametrize("code", sorted(zh.MESSAGES))
def test_chinese_message_is_chinese_and_says_what_to_do(code: str) -> None:
    message = zh.MESSAGES[code]
    assert len(CJK.findall(message)) >= 15
    assert "请" in message  # the fix, as a teacher asks for it


@pytest.mark.parametrize("code", sorted(en.MESSAGES))
def test_english_message_fits_in_a_hundred_characters(code: str) -> None:
    assert len(en.MESSAGES[code]) <= 100


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_fixture_finding_renders_without_a_leftover_placeholder(lang: str) -> None:
    findings = all_fixture_findings(lang)
    assert {f.code for f in findings} == set(registered_codes())  # every template was rendered
    leftovers = [f for f in findings if re.search(r"\{\w*(![rs])?\}", f.message)]
    assert leftovers == []
    if lang == "zh":
        assert [f for f in findings if not CJK.search(f.message)] == []


def _mp_lint(args: List[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    assert run(args, out) == 1
    return out.getvalue()


def test_mp_lint_speaks_chinese_from_the_option_or_its_config_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    assert _mp_lint(["--mp-lang", "zh", "bad.py"], tmp_path, monkeypatch) == f"bad.py:5:9: {CHINESE_MPL201}\n"
    (tmp_path / "setup.cfg").write_text("[mp-lint]\nmp-lang = zh\n")
    assert _mp_lint(["bad.py"], tmp_path, monkeypatch) == f"bad.py:5:9: {CHINESE_MPL201}\n"
    assert "cannot be pickled" in _mp_lint(["--mp-lang", "en", "bad.py"], tmp_path, monkeypatch)


def test_flake8_speaks_chinese_from_its_config_file(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / ".flake8").write_text("[flake8]\nselect = MPL\nmp-lang = zh\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "bad.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert (result.stdout, result.returncode) == (f"bad.py:5:9: {CHINESE_MPL201}\n", 1)


def test_readme_chinese_sample_is_what_mp_lint_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"^homework_word_count\.py:\d+:\d+: MPL\d{3} .*$", readme, flags=re.MULTILINE)
    assert shown and all(CJK.search(line) for line in shown)
    printed = _mp_lint(["--mp-lang", "zh", "homework_word_count.py"], ROOT / "examples", monkeypatch)
    assert shown == printed.splitlines()
