"""Output where teams read it: GitHub annotations and SARIF for code scanning.

The SARIF log is validated against the SARIF 2.1.0 JSON schema as OASIS
publishes it (tests/data/sarif-schema-2.1.0.json).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest

from mp_lint.docs import rule_anchor
from mp_lint.output import _page_url
from mp_lint.rules import all_rules

SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"

BAD = '''\
from multiprocessing import Pool

pool = Pool(2)


def main():
    with Pool(2) as workers:
        workers.map(lambda x: x * x, range(4))
'''


def mp_lint(args: List[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "mp_lint", "--isolated", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bad.py").write_text(BAD)
    (tmp_path / "src" / "broken.py").write_text("def f(:\n")
    return tmp_path


def sarif(project: Path, *paths: str) -> Dict[str, Any]:
    result = mp_lint(["--format", "sarif", *paths], project)
    assert "Traceback" not in result.stderr
    log: Dict[str, Any] = json.loads(result.stdout)
    return log


def test_sarif_log_is_valid_against_the_sarif_2_1_0_schema(project: Path, repo_root: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for log in (
        sarif(project, "src"),
        sarif(project, str(project / "src" / "bad.py")),  # an absolute path in the current folder
        sarif(repo_root, "fixtures"),  # every rule's findings, notebooks included below
        sarif(repo_root, *map(str, sorted((repo_root / "fixtures" / "notebooks").glob("*.ipynb")))),
        sarif(project, "src/missing.py"),  # a file that cannot be read: a notification, not a result
    ):
        errors = sorted(validator.iter_errors(log), key=str)
        assert errors == [], errors[0].message if errors else ""
        assert log["runs"][0]["results"] or log["runs"][0]["invocations"][0]["toolExecutionNotifications"]


def test_sarif_rules_have_names_descriptions_and_a_link_to_their_section(project: Path) -> None:
    driver = sarif(project, "src")["runs"][0]["tool"]["driver"]
    assert driver["name"] == "mp-lint"
    rules = {rule["id"]: rule for rule in driver["rules"]}
    for rule in all_rules():
        descriptor = rules[rule.code]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"]
        # the test environment installs this checkout: the link is its docs/rules.md
        assert descriptor["helpUri"].endswith(f"/docs/rules.md#{rule_anchor(rule)}")
        page = Path(descriptor["helpUri"].split("#")[0].replace("file://", ""))
        assert f"## {rule.code} {rule.name}" in page.read_text(encoding="utf-8")
    anchors = {rule_anchor(rule) for rule in all_rules()}
    headings = [line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("## MPL")]
    assert len(anchors) == len(headings)


def test_sarif_results_carry_rule_level_and_a_relative_location(project: Path) -> None:
    run = sarif(project, "src")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    found = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert found == {("MPL101", "warning"), ("MPL201", "warning"), ("SyntaxError", "error")}
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert location["artifactLocation"]["uri"] in ("src/bad.py", "src/broken.py")
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    pool = next(r for r in run["results"] if r["ruleId"] == "MPL101")
    assert pool["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 8}
    assert pool["message"]["text"].startswith("Pool() starts processes at import")
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    assert run["invocations"] == [{"executionSuccessful": False}]  # broken.py could not be checked


def test_help_link_of_an_install_from_github_points_at_the_installed_commit() -> None:
    record = {"url": "https://github.com/example-org/mp-lint.git", "vcs_info": {"vcs": "git", "commit_id": "abc123"}}
    assert _page_url(record) == "https://github.com/example-org/mp-lint/blob/abc123/docs/rules.md"
    assert _page_url({"url": "https://example.com/mp-lint.git", "vcs_info": {"commit_id": "abc"}}) is None
    assert _page_url({"url": "file:///nonexistent/checkout"}) is None


def test_github_format_annotates_each_finding(project: Path) -> None:
    result = mp_lint(["--format", "github", "src"], project)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        "::error file=src/broken.py,line=1,col=7,title=SyntaxError::invalid syntax",
        "::warning file=src/bad.py,line=3,col=8,title=MPL101::Pool() starts processes at import; "
        "children re-import this module: move under __main__ guard",
        "::warning file=src/bad.py,line=8,col=9,title=MPL201::lambda sent to a worker via map() cannot be "
        "pickled; use a module-level def",
    ]


def test_github_format_escapes_what_workflow_commands_reserve(tmp_path: Path) -> None:
    name = "a,b:c%d.py"
    (tmp_path / name).write_text(BAD)
    result = mp_lint(["--format", "github", "--mp-lang", "zh", name], tmp_path)
    first = result.stdout.splitlines()[0]
    assert first.startswith("::warning file=a%2Cb%3Ac%25d.py,line=3,col=8,title=MPL101::")
    assert "请移到" in first


def test_github_format_gives_a_notebook_finding_its_cell(repo_root: Path) -> None:
    notebook = "fixtures/notebooks/mpl205_interactive_worker.ipynb"
    result = mp_lint(["--format", "github", notebook], repo_root)
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(f"::warning file={notebook},title=MPL") for line in lines)
    assert all("::cell_" in line for line in lines)
