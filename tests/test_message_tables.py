"""One table per language: both cover every key with the same placeholders;
in Chinese the names of objects inside messages and the read errors are
Chinese too."""

from __future__ import annotations

import io
import json
import re
import string
from pathlib import Path
from typing import Set

import pytest

from fixture_format import fixture_config, fixture_files
from mp_lint.cli import run
from mp_lint.config import Config
from mp_lint.engine import lint_source
from mp_lint.messages import en, kind_zh, message, read_error, zh

ROOT = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u4e00-\u9fff]")
# Words of the analysis's English descriptions of objects.
ENGLISH_KINDS = re.compile(
    r"\b(open file|object|holding|connection|cursor|generator|contents|array|list|dict)\b| in \."
)


def placeholders(template: str) -> Set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def test_both_languages_cover_every_key_with_the_same_placeholders() -> None:
    assert sorted(en.MESSAGES) == sorted(zh.MESSAGES)
    assert sorted(en.TEXTS) == sorted(zh.TEXTS)
    for key in en.TEXTS:
        assert placeholders(en.TEXTS[key]) == placeholders(zh.TEXTS[key]), key
    for key in ("cannot_read", "no_such_file", "permission_denied", "bad_encoding", "syntax_error"):
        assert CJK.search(zh.TEXTS[key]) and not CJK.search(en.TEXTS[key])


def test_every_object_name_in_a_fixture_finding_is_chinese_under_zh() -> None:
    seen = 0
    for path in fixture_files(ROOT):
        source = path.read_text(encoding="utf-8")
        config = fixture_config(source)
        for finding in lint_source(source, str(path), Config(config.start_method, config.extra_process_apis, "zh")):
            if finding.code in ("MPL203", "MPL204", "MPL601"):
                seen += 1
                assert not ENGLISH_KINDS.search(finding.message), finding.message
    assert seen >= 10


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("open file 'fh'", "已打开的文件 'fh'"),
        ("database cursor", "数据库游标"),
        ("generator 'rows'", "生成器 'rows'"),
        ("sqlite3 connection 'db'", "sqlite3 数据库连接 'db'"),
        ("ResultWriter object 'w' holding an open file in .out", "ResultWriter 对象 'w'，其 .out 属性里是已打开的文件"),
        ("Lock in .lock of Tally object 't'", "Lock（在 Tally 对象 't' 的 .lock 属性里）"),
        ("numpy array 'weights'", "numpy 数组 'weights'"),
        ("file contents 'text'", "读入的文件内容 'text'"),
        ("threading.Lock 'guard'", "threading.Lock 'guard'"),  # a name from code stays
    ],
)
def test_object_names_in_chinese(english: str, chinese: str) -> None:
    assert kind_zh(english) == chinese


def test_the_chinese_mpl203_message_names_the_object_in_chinese() -> None:
    text = message("MPL203", "zh", what="open file 'fh'", api="apply()")
    assert "对象（已打开的文件 'fh'）无法被 pickle" in text
    assert message("MPL203", "en", what="open file 'fh'", api="apply()").startswith("open file 'fh' passed via apply()")


def test_read_errors_in_both_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "latin.py").write_bytes(b"import multiprocessing\nname = '\xe9'\n")
    (tmp_path / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    (tmp_path / "old.ipynb").write_text(json.dumps({"nbformat": 3, "cells": []}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    expected = {
        "missing.py": ("no such file or directory", "文件或文件夹不存在"),
        "latin.py": ("not valid utf-8 text (byte 32)", "不是有效的 utf-8 编码文本（第 32 个字节）"),
        "broken.ipynb": ("not a notebook (invalid JSON:", "不是 notebook 文件（JSON 格式无效："),
        "old.ipynb": ("unsupported notebook format 3; nbformat 4 is read", "不支持的 notebook 格式 3；只能读取 nbformat 4"),
    }
    for name, (english, chinese) in expected.items():
        assert run(["--isolated", name], io.StringIO()) == 2
        assert capsys.readouterr().err.startswith(f"mp-lint: cannot read {name}: {english}")
        assert run(["--isolated", "--mp-lang", "zh", name], io.StringIO()) == 2
        assert capsys.readouterr().err.startswith(f"mp-lint: 无法读取 {name}：{chinese}")


def test_an_unexpected_error_still_reads_as_one_line() -> None:
    assert read_error("x.py", ValueError("odd"), "zh") == "无法读取 x.py：odd"
    error = SyntaxError("invalid syntax", ("x.py", 2, 7, "def f(:\n"))
    assert read_error("x.py", error) == "cannot read x.py: syntax error at line 2: invalid syntax"
    assert read_error("x.py", error, "zh") == "无法读取 x.py：第 2 行有语法错误：invalid syntax"
    assert read_error("x.py", OSError(5, "Input/output error"), "zh") == "无法读取 x.py：系统错误：Input/output error"
