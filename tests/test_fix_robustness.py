"""`mp-lint --fix`/`--diff` on hostile input, interrupted writes, large files, and what they report.

Each test runs the real command; where the input once crashed or hung the
fixer, it runs in a subprocess with a timeout.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Sequence

import pytest

from mp_lint.fixes import fix_source

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import fix_large_file  # noqa: E402  (the benchmark's generator)

TIMEOUT = 120

FIXABLE = '''\
from multiprocessing import Pool


def main(data):
    with Pool(2) as pool:
        return pool.map(lambda x: x * 2, data)
'''


def mp_lint(args: Sequence[str], cwd: Path, timeout: float = TIMEOUT) -> "subprocess.CompletedProcess[str]":
    """`python -m mp_lint ARGS` in `cwd`, as a user runs it (internal errors not raised)."""
    env = {key: value for key, value in os.environ.items() if key != "MP_LINT_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "mp_lint", "--isolated", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def no_traceback(done: "subprocess.CompletedProcess[str]") -> None:
    assert "Traceback" not in done.stderr and "Error:" not in done.stdout, done.stderr


# --- a file the fixer cannot work on: one line, exit 2, the other files go on ----------------

DEEP = "import multiprocessing as mp\n\nx = " + "[" * 138 + "]" * 138 + "\npool = mp.Pool()\n"
NONLOCAL = "import multiprocessing as mp\n\nnonlocal x\npool = mp.Pool()\n"


@pytest.mark.parametrize("mode", [["--fix"], ["--fix", "--unsafe-fixes"], ["--diff"]])
@pytest.mark.parametrize("name, source", [("nonlocal_x.py", NONLOCAL)])
def test_unfixable_file_gets_one_line_and_the_run_goes_on(
    tmp_path: Path, name: str, source: str, mode: List[str]
) -> None:
    (tmp_path / name).write_text(source)
    (tmp_path / "z_fixable.py").write_text(FIXABLE)
    done = mp_lint([*mode, "."], tmp_path)
    no_traceback(done)
    assert done.returncode == 2
    failures = [line for line in done.stderr.splitlines() if "cannot fix" in line]
    assert failures == [failures[0]] and failures[0].startswith(f"mp-lint: cannot fix {Path('.', name)}: ")
    assert (tmp_path / name).read_text() == source
    if mode[0] == "--fix":
        assert "def x_times_2(x):" in (tmp_path / "z_fixable.py").read_text()
    else:
        assert "+def x_times_2(x):" in done.stdout


#: a lambda at the end of a 300-term sum: libcst's visitors recurse once per term.
CHAIN = (
    "import multiprocessing as mp\n\n\ndef main(data):\n    with mp.Pool(2) as pool:\n        return "
    + " + ".join(["1"] * 300)
    + " + pool.map(lambda v: v * 2, data)\n"
)


@pytest.mark.parametrize("name, source, made", [("deep.py", DEEP, "if __name__"), ("chain.py", CHAIN, "def v_times_2")])
def test_deep_code_the_linter_analyses_is_fixed_too(tmp_path: Path, name: str, source: str, made: str) -> None:
    # The fixer's own name resolution walks only what it needs, and only the
    # statements a fix changes are rebuilt: nesting the linter takes, it takes.
    (tmp_path / name).write_text(source)
    done = mp_lint(["--fix", "--unsafe-fixes", name], tmp_path)
    no_traceback(done)
    assert "cannot fix" not in done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    fixed = (tmp_path / name).read_text()
    assert made in fixed and fixed != source
    compile(fixed, name, "exec")


def test_deep_nesting_and_module_level_nonlocal_say_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from mp_lint.fixes import names
    from mp_lint.fixes.apply import FixError

    def too_deep(self: object, module: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    with monkeypatch.context() as patched:
        patched.setattr(names.Resolver, "__init__", too_deep)
        with pytest.raises(FixError, match="nested too deeply"):
            fix_source(CHAIN)
    with pytest.raises(FixError, match="does not compile .*nonlocal"):
        fix_source(NONLOCAL)


# --- newlines, temp files -------------------------------------------------------------------


def test_carriage_return_only_file_keeps_its_last_newline(tmp_path: Path) -> None:
    source = "import multiprocessing as mp\r\rpool = mp.Pool(2)\rprint(pool.map(abs, [-1]))\r"
    path = tmp_path / "mac.py"
    path.write_bytes(source.encode())
    done = mp_lint(["--fix", "--unsafe-fixes", "mac.py"], tmp_path)
    no_traceback(done)
    assert path.read_bytes() == (
        b'import multiprocessing as mp\r\rif __name__ == "__main__":\r    pool = mp.Pool(2)\r'
        b"    print(pool.map(abs, [-1]))\r"
    )
    fixed_text = path.read_bytes().decode()
    assert fix_source(fixed_text).after == fixed_text


_KILLED_WRITE = """
import os, signal, sys
from pathlib import Path
from mp_lint.fixes import apply
os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # killed between write and rename
apply.fix_file(Path(sys.argv[1])).write()
"""


def test_temp_file_of_a_killed_write_is_removed_by_the_next_fix(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text(FIXABLE)
    other = tmp_path / ".other.py.12345.tmp"  # not of mp-lint's naming: not ours to remove
    other.write_text("")
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITE, str(path)], cwd=ROOT, timeout=TIMEOUT)
    assert killed.returncode == -signal.SIGKILL
    left = [p.name for p in tmp_path.iterdir() if p.name.startswith(".script.py.")]
    assert len(left) == 1 and left[0].endswith(".mp-lint.tmp")  # the failure as it was
    assert path.read_text() == FIXABLE  # the original is intact
    done = mp_lint(["--fix", "script.py"], tmp_path)
    no_traceback(done)
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "script.py"]
    assert "def x_times_2(x):" in path.read_text()


def test_temp_file_of_a_running_writer_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "script.py"
    path.write_text(FIXABLE)
    alive = tmp_path / f".script.py.{os.getppid()}.abcdefgh.mp-lint.tmp"
    alive.write_text("")
    mp_lint(["--fix", "script.py"], tmp_path)
    assert alive.exists()


# --- what the guard move takes along ----------------------------------------------------------


def test_guard_move_leaves_unrelated_bindings_and_takes_what_prints() -> None:
    source = textwrap.dedent(
        """\
        from multiprocessing import Pool


        def work(x):
            return x


        pool = Pool(2)
        print(pool.map(work, [1]))
        x = 1
        LIMITS = (1, 2.5, "a" * 3)
        y = x
        print("done")
        """
    )
    assert fix_source(source).after == textwrap.dedent(
        """\
        from multiprocessing import Pool


        def work(x):
            return x


        x = 1
        LIMITS = (1, 2.5, "a" * 3)
        y = x


        if __name__ == "__main__":
            pool = Pool(2)
            print(pool.map(work, [1]))
            print("done")
        """
    )


def test_guard_move_still_takes_a_binding_that_reads_what_moved() -> None:
    source = "from multiprocessing import Pool\n\npool = Pool(2)\nsame = pool\nsize = len([1])\n"
    after = fix_source(source).after
    assert after.endswith('if __name__ == "__main__":\n    pool = Pool(2)\n    same = pool\n    size = len([1])\n')


# --- the summary ------------------------------------------------------------------------------


def test_summary_counts_fixed_left_and_new_apart(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        from multiprocessing import Pool


        def work(x):
            return x


        pool = Pool(2)
        r = pool.apply_async(work, (1,))
        pool.close()
        """
    )
    (tmp_path / "job.py").write_text(source)
    done = mp_lint(["--fix", "--unsafe-fixes", "job.py"], tmp_path)
    no_traceback(done)
    assert [line.split()[1] for line in done.stdout.splitlines()] == ["MPL401"]  # met only under the guard
    assert done.stderr.splitlines()[-1] == "mp-lint: fixed 1 finding(s) in 1 file(s); 1 left, 1 of them new"
    assert done.returncode == 1


# --- diffs that patch applies -------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["patch", "git"])
def test_diff_of_a_path_with_a_space_applies(tmp_path: Path, tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"no {tool} on this machine")
    folder = tmp_path / "my project"
    folder.mkdir()
    source = FIXABLE + "\n\nmain([1])\n"
    (folder / "my job.py").write_text(source)
    done = mp_lint(["--diff", "my project/my job.py"], tmp_path)
    assert done.returncode == 1
    assert "--- a/my project/my job.py\t\n" in done.stdout
    (tmp_path / "fixes.diff").write_text(done.stdout)
    command = ["patch", "-p1", "-i", "fixes.diff"] if tool == "patch" else ["git", "apply", "-p1", "fixes.diff"]
    applied = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (folder / "my job.py").read_text() == fix_source(source).after


# --- fix safety -------------------------------------------------------------------------------

RATED = '''\
import multiprocessing as mp


def main(data, k):
    with mp.Pool(2) as pool:
        a = pool.map(lambda x: x * 2, data)
        return a, pool.map(lambda x: x + k, data)


main([1], 2)
'''


def test_fix_applies_only_safe_fixes_and_names_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "rated.py"
    path.write_text(RATED)
    done = mp_lint(["--fix", "rated.py"], tmp_path)
    no_traceback(done)
    after = path.read_text()
    assert "def x_times_2(x):" in after and "lambda x: x + k" in after and "__main__" not in after
    assert done.stderr.splitlines() == [
        "rated.py:11:19: MPL201 unsafe fix not applied (it passes 'k' through functools.partial); use --unsafe-fixes",
        "rated.py:14:1: MPL102 unsafe fix not applied (moving code under the __main__ guard changes what runs at "
        "import); use --unsafe-fixes",
        "mp-lint: fixed 1 finding(s) in 1 file(s); 2 left, 0 of them new; 2 more fix(es) available with "
        "--unsafe-fixes",
    ]
    assert done.returncode == 1
    done = mp_lint(["--fix", "--unsafe-fixes", "rated.py"], tmp_path)
    assert done.returncode == 0 and done.stdout == ""
    assert path.read_text() == fix_source(RATED).after
    assert "partial(x_plus_k, k=k)" in path.read_text()


def test_diff_shows_safe_then_unsafe_fixes_marked_and_the_two_make_the_full_fix(tmp_path: Path) -> None:
    (tmp_path / "rated.py").write_text(RATED)
    done = mp_lint(["--diff", "rated.py"], tmp_path)
    assert done.returncode == 1
    markers = [line for line in done.stdout.splitlines() if line.startswith("# mp-lint:")]
    assert markers == [
        "# mp-lint: safe fixes for rated.py (applied by --fix)",
        "# mp-lint: unsafe fixes for rated.py (applied only with --fix --unsafe-fixes)",
    ]
    safe, unsafe = done.stdout.split(markers[1])
    assert "+def x_times_2(x):" in safe and "partial" not in safe and "__main__" not in safe
    assert "+def x_plus_k(x, *, k):" in unsafe and '+if __name__ == "__main__":' in unsafe
    if shutil.which("patch"):
        (tmp_path / "fixes.diff").write_text(done.stdout)
        subprocess.run(["patch", "-p1", "-i", "fixes.diff"], cwd=tmp_path, check=True, timeout=TIMEOUT,
                       capture_output=True)  # fmt: skip
        assert (tmp_path / "rated.py").read_text() == fix_source(RATED).after


def test_unsafe_fixes_without_fix_is_refused(tmp_path: Path) -> None:
    (tmp_path / "rated.py").write_text(RATED)
    done = mp_lint(["--unsafe-fixes", "rated.py"], tmp_path)
    assert done.returncode == 2 and "use it with --fix" in done.stderr
    assert (tmp_path / "rated.py").read_text() == RATED


def test_json_carries_each_fixs_applicability(tmp_path: Path) -> None:
    import json

    other = "\n\ndef other(h):\n    with mp.Pool() as p:\n        p.apply(len, (open(h),))\n"
    (tmp_path / "rated.py").write_text(RATED + other)
    done = mp_lint(["--format", "json", "rated.py"], tmp_path)
    found = {(item["code"], item["line"]): item["fix"] for item in json.loads(done.stdout)}
    assert found == {
        ("MPL201", 6): {"applicability": "safe"},
        ("MPL201", 7): {"applicability": "unsafe"},
        ("MPL102", 10): {"applicability": "unsafe"},
        ("MPL203", 15): None,
    }
    done = mp_lint(["--fix", "--format", "json", "rated.py"], tmp_path)
    left = {(item["code"], item["fix"]["applicability"] if item["fix"] else None) for item in json.loads(done.stdout)}
    assert left == {("MPL201", "unsafe"), ("MPL102", "unsafe"), ("MPL203", None)}


# --- in Chinese -------------------------------------------------------------------------------


def test_fix_notes_and_summary_are_chinese_with_mp_lang_zh(tmp_path: Path) -> None:
    source = RATED.replace("def main(data, k):", "def main(data, k):\n    total = 3").replace(
        "lambda x: x * 2", "lambda x: x * total"
    )
    (tmp_path / "rated.py").write_text(source)
    done = mp_lint(["--fix", "--mp-lang", "zh", "rated.py"], tmp_path)
    no_traceback(done)
    notes = done.stderr.splitlines()
    assert notes[0] == "rated.py:7:13: MPL201 无法自动修复：它读取了 main() 的局部变量 'total'；请把它改成参数"
    assert notes[1].startswith("rated.py:8:19: MPL201 有一处不安全的修复没有应用（它要通过 functools.partial 传入 'k'）")
    assert notes[-1] == "mp-lint: 已修复 0 个文件中的 0 处问题；还剩 3 处，其中 0 处是修复后新出现的；另有 2 处修复需要加 --unsafe-fixes 才会应用"
    done = mp_lint(["--diff", "--mp-lang", "zh", "rated.py"], tmp_path)
    assert "# mp-lint：rated.py 的不安全修复（只有 --fix --unsafe-fixes 才会应用）" in done.stdout.splitlines()


def test_both_languages_have_every_fix_message_with_the_same_placeholders() -> None:
    import re

    from mp_lint.messages import en, zh

    assert sorted(en.FIX_MESSAGES) == sorted(zh.FIX_MESSAGES)
    for key, english in en.FIX_MESSAGES.items():
        chinese = zh.FIX_MESSAGES[key]
        assert set(re.findall(r"{(\w+)}", chinese)) == set(re.findall(r"{(\w+)}", english)), key
        if re.sub(r"{\w+}|[\W\d_]", "", chinese):  # anything besides placeholders is Chinese
            assert re.search(r"[\u4e00-\u9fff]", chinese), key


def test_every_reason_the_fixes_give_is_a_key_of_the_tables() -> None:
    import re

    from mp_lint.messages import en

    used = set()
    for path in (ROOT / "mp_lint" / "fixes").glob("*.py"):
        used |= set(re.findall(r'Reason\.of\(\s*"([\w.-]+)"', path.read_text(encoding="utf-8")))
        used |= set(re.findall(r'"((?:lift|guard)\.[\w-]+)"', path.read_text(encoding="utf-8")))
    assert used and used <= set(en.FIX_MESSAGES)


# --- large files: linear, not quadratic ---------------------------------------------------------


def _cpu_seconds(args: Sequence[str], cwd: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = mp_lint(args, cwd, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode in (0, 1), done.stderr
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


@pytest.mark.slow
def test_fixing_a_large_generated_module_grows_linearly(tmp_path: Path) -> None:
    """Doubling the file (and its findings) about doubles the fixer's time (from 2,500 to 5,000 lines it was 6x)."""
    times = []
    for lines in (2000, 4000):
        folder = tmp_path / str(lines)
        folder.mkdir()
        (folder / "generated.py").write_text(fix_large_file.generate(lines))
        times.append(_cpu_seconds(["--diff", "generated.py"], folder))
    assert times[1] < 3.0 * times[0], times


def test_large_generated_module_is_fixed_completely_and_safely(tmp_path: Path) -> None:
    source = fix_large_file.generate(1000)
    result = fix_source(source)  # MP_LINT_DEBUG=1: a fix failing its checks raises
    assert result.declined == [] and result.held_back == []
    assert fix_source(result.after).after == result.after


# --- the docs say how far each fix can be trusted ----------------------------------------------


def test_every_rule_page_has_a_fix_safety_section_matching_the_fixer() -> None:
    from mp_lint.docs import docstring_sections
    from mp_lint.fixes import FIXABLE_CODES
    from mp_lint.rules import all_rules

    for rule in all_rules():
        text = " ".join(docstring_sections(rule)["Fix safety"].split())
        if rule.code in FIXABLE_CODES:
            assert "Unsafe" in text and "--unsafe-fixes" in text, rule.code
            assert ("Safe when" in text) == (rule.code in ("MPL201", "MPL202")), rule.code
        else:
            assert text.startswith("There is no automatic fix"), rule.code


def test_temp_file_of_the_older_naming_goes_once_it_is_a_minute_old(tmp_path: Path) -> None:
    from mp_lint.fixes import remove_stale_temporaries

    old = tmp_path / ".script.py.abcdefgh.mp-lint.tmp"
    fresh = tmp_path / ".script.py.ijklmnop.mp-lint.tmp"
    for path in (old, fresh):
        path.write_text("")
    os.utime(old, (1_000_000, 1_000_000))
    assert remove_stale_temporaries(tmp_path) == [old]
    assert fresh.exists() and not old.exists()
