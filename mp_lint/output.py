"""What the `mp-lint` command prints: findings and per-file errors, in each format.

- `text`: flake8-style lines, `path:line:col: CODE message`; a file Python
  cannot parse is one line `path:line:col: SyntaxError: message`, as ruff prints it.
- `json`: a list of objects (`path`, `cell` in a notebook, `line`, `column`,
  `code`, `message`); a syntax error has `"code": null`.
- `github`: workflow commands that annotate a pull request,
  `::warning file=...,line=...,col=...,title=MPL201::message`.
- `sarif`: SARIF 2.1.0 for code scanning: the rules with their names, short
  descriptions and a link to their section of docs/rules.md, and one result
  per finding with a path relative to the current folder.

`--statistics` adds a count per code. File names that are not valid in the
terminal's encoding are written as the file system names them (surrogate
escapes become the original bytes), never a traceback.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple
from urllib.parse import quote

from mp_lint import __version__
from mp_lint.engine import Finding

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SYNTAX_ERROR_RULE = "SyntaxError"


@dataclass(frozen=True)
class FileFinding:
    """A finding in a file, as the command prints it."""

    path: str
    finding: Finding
    #: in a notebook: the code cell (1-based, as nbQA counts); line and column are the cell's.
    cell: Optional[int] = None
    #: the applicability of the finding's fix ("safe", "unsafe"), None when it has none.
    fix: Optional[str] = None

    def as_text(self) -> str:
        f = self.finding
        where = f"{self.path}:cell_{self.cell}" if self.cell is not None else self.path
        return f"{where}:{f.line}:{f.col + 1}: {f.code} {f.message}"

    def as_json(self) -> Dict[str, object]:
        f = self.finding
        found: Dict[str, object] = {"path": self.path}
        if self.cell is not None:
            found["cell"] = self.cell
        found.update({"line": f.line, "column": f.col + 1, "code": f.code, "message": f.message})
        found["fix"] = None if self.fix is None else {"applicability": self.fix}
        return found


@dataclass(frozen=True)
class FileError:
    """A file that could not be checked: Python cannot parse it (`kind` SyntaxError
    and a position), or it cannot be read at all (`kind` None)."""

    path: str
    message: str
    kind: Optional[str] = None
    line: int = 0
    col: int = 0
    #: the whole "cannot read" line in the run's language, when it differs from the default.
    said: str = ""

    @property
    def is_syntax(self) -> bool:
        return self.kind is not None

    def as_text(self) -> str:
        if self.is_syntax:
            return f"{self.path}:{self.line}:{self.col}: {self.kind}: {self.message}"
        return f"mp-lint: {self.said}" if self.said else f"mp-lint: cannot read {self.path}: {self.message}"


@dataclass
class Report:
    """Everything one run found."""

    findings: List[FileFinding] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    checked: int = 0
    notebooks: int = 0
    #: (path, reason) of files a folder search passed over.
    skipped: List[Tuple[Path, str]] = field(default_factory=list)
    #: (path, "not analysed: why") of files read and parsed but too deep or too large to analyse.
    unanalysed: List[Tuple[str, str]] = field(default_factory=list)

    def checked_phrase(self) -> str:
        """`3 files checked (1 notebook), 1 could not be checked`, and notebooks a folder search passed over."""
        phrase = f"{self.checked} file{'s' if self.checked != 1 else ''} checked"
        if self.notebooks:
            phrase += f" ({self.notebooks} notebook{'s' if self.notebooks != 1 else ''})"
        if self.errors:
            phrase += f", {len(self.errors)} could not be checked"
        if self.unanalysed:
            phrase += f", {len(self.unanalysed)} not analysed"
        passed = sum(1 for path, _ in self.skipped if path.suffix == ".ipynb")
        if passed:
            plural = "s" if passed != 1 else ""
            phrase += f"; {passed} notebook{plural} in folders not checked (name them to check them)"
        return phrase


# --- streams ---------------------------------------------------------------

_ERROR_HANDLER = "mp-lint-filenames"


def _filename_errors(error: UnicodeError) -> Tuple[Any, int]:
    """Encode a lone surrogate from a file name back to its byte, as
    `os.fsencode` would; anything else unencodable as a backslash escape."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    piece = error.object[error.start:error.end]
    if all(0xDC80 <= ord(char) <= 0xDCFF for char in piece):
        return bytes(ord(char) - 0xDC00 for char in piece), error.end
    return "".join(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}" for char in piece), error.end


codecs.register_error(_ERROR_HANDLER, _filename_errors)


def prepare_stream(stream: TextIO) -> None:
    """Let `stream` write any file name the file system can hold."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=_ERROR_HANDLER)
        except (ValueError, OSError):  # a closed or detached stream: nothing to prepare
            pass


def silence_stdout() -> None:
    """After the reader of stdout went away (`mp-lint | head`): send the rest
    nowhere, so that the interpreter's last flush does not fail either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def _json_text(value: object) -> str:
    """JSON text that stays valid UTF-8: lone surrogates (from file names) are escaped."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return re.sub("[\ud800-\udfff]", lambda match: f"\\u{ord(match.group()):04x}", text)


# --- formats ---------------------------------------------------------------


def write_report(report: Report, output_format: str, stream: TextIO) -> None:
    """Print the findings and the per-file errors in `output_format`."""
    if output_format == "json":
        write_json(report, stream)
    elif output_format == "github":
        write_github(report, stream)
    elif output_format == "sarif":
        write_sarif(report, stream)
    else:
        write_text(report, stream)


def write_text(report: Report, stream: TextIO) -> None:
    """Syntax errors and findings as lines; files that cannot be read go to stderr."""
    for error in report.errors:
        if error.is_syntax:
            stream.write(error.as_text() + "\n")
        else:
            print(error.as_text(), file=sys.stderr)
    for result in report.findings:
        stream.write(result.as_text() + "\n")


def write_json(report: Report, stream: TextIO) -> None:
    entries: List[Dict[str, object]] = []
    for error in report.errors:
        if error.is_syntax:
            entries.append({"path": error.path, "line": error.line, "column": error.col, "code": None,
                            "message": f"{error.kind}: {error.message}"})
        else:
            print(error.as_text(), file=sys.stderr)
    entries.extend(result.as_json() for result in report.findings)
    stream.write(_json_text(entries) + "\n")


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(report: Report, stream: TextIO) -> None:
    """GitHub Actions workflow commands: each finding annotates its line."""
    for error in report.errors:
        where = f"file={_github_property(error.path)}"
        if error.is_syntax:
            where += f",line={error.line},col={error.col}"
            title, message = error.kind or SYNTAX_ERROR_RULE, error.message
        else:
            title, message = "mp-lint", f"cannot read: {error.message}"
        stream.write(f"::error {where},title={_github_property(title)}::{_github_data(message)}\n")
    for result in report.findings:
        f = result.finding
        where = f"file={_github_property(result.path)}"
        message = f.message
        if result.cell is None:
            where += f",line={f.line},col={f.col + 1}"
        else:  # lines of a notebook's cell are not lines of the .ipynb file
            message = f"cell_{result.cell}:{f.line}:{f.col + 1}: {message}"
        stream.write(f"::warning {where},title={f.code}::{_github_data(message)}\n")


# --- SARIF -----------------------------------------------------------------


def rules_page_url() -> Optional[str]:
    """Where docs/rules.md of the installed mp-lint can be read, if known.

    From the install's own record (`direct_url.json`, PEP 610): a checkout
    installed from a folder links to its file; an install from a GitHub
    repository links to the page at the installed commit. Otherwise None.
    """
    try:
        from importlib.metadata import PackageNotFoundError, distribution

        text = distribution("mp-lint").read_text("direct_url.json")
    except (ImportError, PackageNotFoundError, OSError):
        return None
    if not text:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return _page_url(record) if isinstance(record, dict) else None


def _page_url(record: Dict[str, Any]) -> Optional[str]:
    url = str(record.get("url", ""))
    if url.startswith("file://"):
        from urllib.parse import unquote, urlparse

        folder = Path(unquote(urlparse(url).path))
        page = folder / "docs" / "rules.md"
        return page.as_uri() if page.is_file() else None
    vcs = record.get("vcs_info")
    match = re.match(r"(?:git\+)?(https://github\.com/[^/]+/[^/@#]+?)(?:\.git)?/?$", url)
    if match and isinstance(vcs, dict) and vcs.get("commit_id"):
        return f"{match.group(1)}/blob/{vcs['commit_id']}/docs/rules.md"
    return None


def _artifact(path: str, cwd: Path) -> Dict[str, object]:
    """A SARIF artifactLocation: relative to the current folder (%SRCROOT%) where it can be."""
    target = Path(path)
    if target.is_absolute():
        try:
            target = target.relative_to(cwd)
        except ValueError:
            return {"uri": target.as_uri()}
    return {"uri": quote(os.fsencode(target.as_posix()), safe="/"), "uriBaseId": "%SRCROOT%"}


def _rule_descriptors(page_url: Optional[str]) -> List[Dict[str, object]]:
    from mp_lint.docs import docstring_sections, render_rule, rule_anchor
    from mp_lint.rules import all_rules

    descriptors: List[Dict[str, object]] = []
    for rule in all_rules():
        what = " ".join(docstring_sections(rule).get("What it does", rule.name).split())
        first = re.split(r"(?<=[.!?])\s", what, maxsplit=1)[0]
        descriptor: Dict[str, object] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": first},
            "fullDescription": {"text": what},
            "help": {"text": what, "markdown": render_rule(rule)},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["multiprocessing"] + (["spawn"] if rule.spawn_only else [])},
        }
        if page_url:
            descriptor["helpUri"] = f"{page_url}#{rule_anchor(rule)}"
        descriptors.append(descriptor)
    descriptors.append({
        "id": SYNTAX_ERROR_RULE,
        "name": "syntax-error",
        "shortDescription": {"text": "Python cannot parse the file, so it was not checked."},
        "defaultConfiguration": {"level": "error"},
    })
    return descriptors


def sarif_log(report: Report, cwd: Optional[Path] = None) -> Dict[str, object]:
    """The run as a SARIF 2.1.0 log."""
    here = (cwd or Path.cwd()).resolve()
    page_url = rules_page_url()
    rules = _rule_descriptors(page_url)
    index = {str(rule["id"]): number for number, rule in enumerate(rules)}
    results: List[Dict[str, object]] = []
    for error in report.errors:
        if not error.is_syntax:
            continue
        results.append({
            "ruleId": SYNTAX_ERROR_RULE,
            "ruleIndex": index[SYNTAX_ERROR_RULE],
            "level": "error",
            "message": {"text": f"{error.kind}: {error.message}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": _artifact(error.path, here),
                "region": {"startLine": error.line, "startColumn": error.col},
            }}],
        })
    for result in report.findings:
        f = result.finding
        physical: Dict[str, object] = {"artifactLocation": _artifact(result.path, here)}
        entry: Dict[str, object] = {
            "ruleId": f.code,
            "level": "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": physical}],
        }
        if f.code in index:
            entry["ruleIndex"] = index[f.code]
        if result.cell is None:
            physical["region"] = {"startLine": f.line, "startColumn": f.col + 1}
        else:  # a notebook: the position is within a code cell, not a line of the .ipynb file
            entry["properties"] = {"cell": result.cell, "cellLine": f.line, "cellColumn": f.col + 1}
        results.append(entry)
    notifications = [
        {
            "level": "error",
            "message": {"text": f"cannot read: {error.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(error.path, here)}}],
        }
        for error in report.errors
        if not error.is_syntax
    ]
    invocation: Dict[str, object] = {"executionSuccessful": not report.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver: Dict[str, object] = {"name": "mp-lint", "version": __version__, "semanticVersion": __version__}
    if page_url:
        driver["informationUri"] = page_url
    driver["rules"] = rules
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"uri": here.as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def write_sarif(report: Report, stream: TextIO) -> None:
    for error in report.errors:
        if not error.is_syntax:
            print(error.as_text(), file=sys.stderr)
    stream.write(_json_text(sarif_log(report)) + "\n")


# --- statistics and --verbose ----------------------------------------------


def statistics_lines(report: Report) -> List[str]:
    """A count per code (flake8's `--statistics` layout), then how many files were checked."""
    from mp_lint.rules import all_rules

    names = {rule.code: rule.name for rule in all_rules()}
    counts = Counter(result.finding.code for result in report.findings)
    counts.update(error.kind for error in report.errors if error.kind)
    lines = [f"{count:<5} {code} {names.get(code, '')}".rstrip() for code, count in sorted(counts.items())]
    total = len(report.findings)
    lines.append(f"{total} finding{'s' if total != 1 else ''}; {report.checked_phrase()}")
    return lines


def write_statistics(report: Report, output_format: str, stream: TextIO) -> None:
    """After the findings in text; on stderr when stdout holds JSON, SARIF or workflow commands."""
    target = stream if output_format == "text" else sys.stderr
    for line in statistics_lines(report):
        target.write(line + "\n")


def verbose_lines(report: Report, paths: Sequence[str]) -> List[str]:
    lines = [f"mp-lint: skipped {path}: {reason}" for path, reason in report.skipped]
    lines.append(f"mp-lint: {report.checked_phrase()} in {', '.join(paths)}")
    return lines
