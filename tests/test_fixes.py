"""`mp-lint --fix` and `--diff`: what each fix writes, when it declines, and its safety."""

from __future__ import annotations

import io
import re
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import List

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from demos import registry, runner
from fixture_format import fixture_config, fixture_files
from mp_lint import fixes
from mp_lint.cli import run
from mp_lint.selection import suppressed
from mp_lint.engine import lint_source
from mp_lint.fixes import FIXABLE_CODES, fix_source, unsafe
from mp_lint.fixes.apply import FAMILIES, UnsafeFix
from mp_lint.fixes.base import FamilyResult
from mp_lint.rules import registered_codes

ROOT = Path(__file__).resolve().parent.parent


def fixed(source: str, **options: object) -> str:
    """The source after every fix."""
    return fix_source(source, **options).after  # type: ignore[arg-type]


def reasons(source: str) -> List[str]:
    """Why each fixable finding of `source` got no fix."""
    return [f"{d.line}:{d.code} {d.reason}" for d in fix_source(source).declined]


# --- MPL101, MPL102, MPL103: under the __main__ guard ------------------------

MODULE_LEVEL_POOL = '''\
from multiprocessing import Pool


def square(x):
    return x * x


# one pool for the whole script
pool = Pool(2)
print(pool.map(square, range(10)))  # the results
pool.close()
pool.join()
'''


def test_module_level_pool_moves_with_its_uses_under_a_new_guard() -> None:
    assert fixed(MODULE_LEVEL_POOL) == '''\
from multiprocessing import Pool


def square(x):
    return x * x


if __name__ == "__main__":
    # one pool for the whole script
    pool = Pool(2)
    print(pool.map(square, range(10)))  # the results
    pool.close()
    pool.join()
'''


def test_set_start_method_joins_the_existing_guard_ahead_of_its_body() -> None:
    source = '''\
import multiprocessing as mp

mp.set_start_method("spawn")


def main():
    with mp.Pool(2) as pool:
        print(pool.map(abs, [-1]))


if __name__ == "__main__":
    main()
'''
    assert fixed(source) == '''\
import multiprocessing as mp


def main():
    with mp.Pool(2) as pool:
        print(pool.map(abs, [-1]))


if __name__ == "__main__":
    mp.set_start_method("spawn")
    main()
'''


def test_one_line_guard_is_reused_and_keeps_its_comment() -> None:
    source = '''\
import multiprocessing as mp

mp.set_start_method("forkserver")  # needed on Linux


def main():
    with mp.Pool(2) as pool:
        print(pool.map(abs, [-1]))


if __name__ == "__main__": main()  # run
'''
    assert fixed(source).endswith('''\
if __name__ == "__main__":
    mp.set_start_method("forkserver")  # needed on Linux
    main()  # run
''')


def test_bare_entry_call_goes_under_a_guard() -> None:
    source = '''\
from concurrent.futures import ProcessPoolExecutor


def main():
    with ProcessPoolExecutor(2) as executor:
        print(list(executor.map(abs, [-1])))


main()
'''
    assert fixed(source).endswith('\n\n\nif __name__ == "__main__":\n    main()\n')


def test_constant_a_worker_reads_stays_at_module_level() -> None:
    source = '''\
from multiprocessing import Pool


def work(x):
    return x * SCALE


pool = Pool(2)
SCALE = 3
print(pool.map(work, [1, 2]))
print("done")
'''
    assert fixed(source) == '''\
from multiprocessing import Pool


def work(x):
    return x * SCALE


SCALE = 3


if __name__ == "__main__":
    pool = Pool(2)
    print(pool.map(work, [1, 2]))
    print("done")
'''


def test_setup_between_definitions_stays_at_module_level() -> None:
    source = '''\
import logging
import multiprocessing as mp

mp.set_start_method("spawn")
logging.basicConfig(level=logging.INFO)


def work(x):
    logging.info("%s", x)


if __name__ == "__main__":
    with mp.Pool(2) as pool:
        pool.map(work, [1])
'''
    after = fixed(source)
    assert "\nlogging.basicConfig(level=logging.INFO)\n" in after
    assert '\nif __name__ == "__main__":\n    mp.set_start_method("spawn")\n    with mp.Pool(2) as pool:\n' in after


def test_guard_that_cannot_move_down_gets_a_second_guard_below() -> None:
    source = '''\
import multiprocessing as mp
from multiprocessing import Pool

if __name__ == "__main__":
    mp.set_start_method("fork")

pool = Pool(4)
spawned = mp.get_context("spawn").Pool(2)
'''
    # `pool = Pool(4)` must keep running after set_start_method("fork").
    assert fixed(source) == '''\
import multiprocessing as mp
from multiprocessing import Pool

if __name__ == "__main__":
    mp.set_start_method("fork")

pool = Pool(4)

if __name__ == "__main__":
    spawned = mp.get_context("spawn").Pool(2)
'''


def test_guard_followed_only_by_definitions_moves_down_to_take_later_statements() -> None:
    source = '''\
from multiprocessing import Pool

if __name__ == "__main__":
    print("start")


def work(x):
    return x


pool = Pool(2)
'''
    assert fixed(source) == '''\
from multiprocessing import Pool


def work(x):
    return x


if __name__ == "__main__":
    print("start")

    pool = Pool(2)
'''


def test_import_in_a_moved_block_that_functions_need_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool

try:
    import numpy as np
    pool = Pool(2)
except ImportError:
    np = None


def work(x):
    return np.sqrt(x)
'''
    assert fixed(source) == source
    assert reasons(source) == ["5:MPL101 line 3 also defines 'np', which functions need at import"]


def test_definition_that_needs_the_pool_at_import_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool

pool = Pool(2)


def work(x, p=pool):
    return x
'''
    assert fixed(source) == source
    assert reasons(source) == ["3:MPL101 line 6 needs 'pool' at import; move it by hand"]


def test_pool_in_a_class_body_gets_no_fix() -> None:
    source = "from multiprocessing import Pool\n\n\nclass Holder:\n    shared = Pool(2)\n"
    assert fixed(source) == source
    assert reasons(source) == ["5:MPL101 it runs in the body of class 'Holder'; move it out of the class by hand"]


def test_name_bound_again_later_gets_no_fix() -> None:
    source = "from multiprocessing import Pool\n\npool = Pool(2)\n\n\ndef pool():\n    pass\n"
    assert fixed(source) == source
    assert reasons(source) == ["3:MPL101 'pool' is bound again on line 6, which would then run first"]


def test_name_a_moved_call_sees_rebound_later_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool

MODE = "a"


def main():
    with Pool(2) as pool:
        print(MODE, pool.map(abs, [-1]))


main()
MODE = "b"
'''
    # Moved under a guard at the end, main() would print "b".
    assert fixed(source) == source
    assert reasons(source) == ["11:MPL102 'MODE' is bound again on line 12, which would then run first"]


def test_two_guards_after_the_finding_get_no_fix() -> None:
    source = '''\
from multiprocessing import Pool

pool = Pool(2)

if __name__ == "__main__":
    pass

if __name__ == "__main__":
    pass
'''
    assert fixed(source) == source
    assert reasons(source) == ["3:MPL101 more than one __name__ test follows it; move it by hand"]


def test_finding_silenced_by_noqa_is_not_fixed() -> None:
    source = "from multiprocessing import Pool\n\npool = Pool(2)  # noqa: MPL101\n"
    assert fixed(source) == source
    assert reasons(source) == []


def test_codes_left_out_by_select_and_ignore_are_not_fixed() -> None:
    source = "from multiprocessing import Pool\n\npool = Pool(2)\npool.map(lambda x: x + 1, [1])\n"
    only_lambdas = fixed(source, select=("MPL2",))
    assert "__main__" not in only_lambdas
    assert only_lambdas.endswith("\n\n\npool.map(x_plus_1, [1])\n")
    assert fixed(source, ignore=("MPL101", "MPL201")) == source


# --- MPL201, MPL202: a module-level def ----------------------------------------


def test_lambda_becomes_a_module_level_def_named_after_its_body() -> None:
    source = '''\
from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(lambda x: x * x, range(10)))
'''
    assert fixed(source) == '''\
from multiprocessing import Pool


def x_times_x(x):
    return x * x


if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(x_times_x, range(10)))
'''


def test_lambda_reading_a_parameter_gets_it_through_partial() -> None:
    source = '''\
"""Scale numbers."""
from multiprocessing import Pool


def scale_all(values, factor):
    with Pool(2) as pool:
        return pool.map(lambda x: x * factor, values)
'''
    assert fixed(source) == '''\
"""Scale numbers."""
from multiprocessing import Pool
from functools import partial


def x_times_factor(x, *, factor):
    return x * factor


def scale_all(values, factor):
    with Pool(2) as pool:
        return pool.map(partial(x_times_factor, factor=factor), values)
'''


def test_lambda_reading_a_local_variable_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool


def main():
    total = 3
    with Pool(2) as pool:
        print(pool.map(lambda x: x + total, range(3)))
'''
    assert fixed(source) == source
    assert reasons(source) == ["7:MPL201 it reads 'total', a local variable of main(); make it a parameter"]


def test_lambda_reading_a_name_set_only_under_the_guard_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool

if __name__ == "__main__":
    k = 3
    with Pool(2) as pool:
        print(pool.map(lambda x: x * k, range(3)))
'''
    assert fixed(source) == source
    assert reasons(source) == ["6:MPL201 'k' is set under the __main__ guard, which workers do not run"]


def test_lambda_reading_a_loop_variable_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool


def main():
    with Pool(2) as pool:
        return [pool.apply_async(lambda: i) for i in range(3)]
'''
    assert fixed(source) == source
    assert reasons(source) == ["6:MPL201 it reads the loop variable 'i'"]


def test_lambda_reading_a_module_constant_is_lifted_as_is() -> None:
    source = '''\
from multiprocessing import Pool

K = 3

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(lambda x: x * K, range(3)))
'''
    assert "\n\ndef x_times_K(x):\n    return x * K\n\n\nif __name__" in fixed(source)


def test_lambda_whose_default_reads_a_local_variable_gets_no_fix() -> None:
    # Moved to module level, the default `k=k` would run at import, where `k` is not bound.
    source = '''\
from multiprocessing import Pool


def job(data):
    k = 3
    with Pool(2) as pool:
        return pool.map(lambda x, k=k: x + k, data)
'''
    assert fixed(source) == source
    assert reasons(source) == ["7:MPL201 its defaults or annotations read 'k', which is not a module-level name"]


def test_nested_function_whose_default_is_bound_further_down_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool


def job(data):
    def scaled(x, factor=FACTOR):
        return x * factor

    with Pool(2) as pool:
        return pool.map(scaled, data)


FACTOR = 3
'''
    assert fixed(source) == source
    assert reasons(source) == [
        "9:MPL202 its defaults or annotations read 'FACTOR', which is bound further down"
    ]


def test_lambda_whose_default_reads_a_module_constant_bound_above_is_lifted() -> None:
    source = '''\
from multiprocessing import Pool

K = 3


def job(data):
    with Pool(2) as pool:
        return pool.map(lambda x, k=K: x + k, data)
'''
    after = fixed(source)
    assert "\n\ndef x_plus_k(x, k=K):\n    return x + k\n" in after
    assert after.index("K = 3") < after.index("def x_plus_k")
    assert reasons(source) == []


def test_lambdas_without_a_describable_body_get_distinct_names() -> None:
    source = '''\
from multiprocessing import Pool, Process

if __name__ == "__main__":
    with Pool(2, initializer=lambda: None) as pool:
        pool.map(lambda x: x, [1])
        pool.map(lambda x: x, [2])
    Process(target=lambda: print("hi")).start()
'''
    after = fixed(source)
    for name in ("init_worker", "map_task", "map_task_2", "call_print"):
        assert f"\ndef {name}(" in after
    assert "lambda" not in after


def test_lambda_spread_over_lines_keeps_its_lines_in_brackets() -> None:
    source = '''\
from multiprocessing import Pool

if __name__ == "__main__":
    with Pool(2) as pool:
        print(pool.map(lambda x: x
                       + 1, range(3)))
'''
    assert "\ndef x_plus_1(x):\n    return (x\n" in fixed(source)


def test_nested_function_moves_out_keeping_its_name_and_comments() -> None:
    source = '''\
from multiprocessing import Pool


def main():
    # doubles
    def double(x):
        return x * 2  # twice

    with Pool(2) as pool:
        return pool.map(double, range(3))
'''
    assert fixed(source) == '''\
from multiprocessing import Pool


# doubles
def double(x):
    return x * 2  # twice


def main():
    with Pool(2) as pool:
        return pool.map(double, range(3))
'''


def test_closure_over_a_parameter_uses_the_modules_functools_import() -> None:
    source = '''\
import functools
from concurrent.futures import ProcessPoolExecutor


def scale_all(values, factor):
    def scale(x):
        return x * factor

    with ProcessPoolExecutor(2) as executor:
        return list(executor.map(scale, values))
'''
    assert fixed(source) == '''\
import functools
from concurrent.futures import ProcessPoolExecutor


def scale(x, *, factor):
    return x * factor


def scale_all(values, factor):
    with ProcessPoolExecutor(2) as executor:
        return list(executor.map(functools.partial(scale, factor=factor), values))
'''


def test_nested_function_whose_name_is_taken_gets_a_new_name() -> None:
    source = '''\
from multiprocessing import Pool


def work(x):
    return x


def main():
    def work(x):
        return -x

    with Pool(2) as pool:
        return pool.map(work, range(3))
'''
    after = fixed(source)
    assert "\ndef work(x):\n    return x\n" in after
    assert "\ndef work_2(x):\n    return -x\n" in after
    assert "pool.map(work_2, range(3))" in after


def test_nested_function_writing_a_nonlocal_gets_no_fix() -> None:
    source = '''\
from multiprocessing import Pool


def main():
    count = 0

    def work(x):
        nonlocal count
        count += 1
        return x

    with Pool(2) as pool:
        return pool.map(work, range(3))
'''
    assert fixed(source) == source
    assert reasons(source) == ["13:MPL202 it assigns 'count' of main() (nonlocal)"]


def test_decorated_nested_function_gets_no_fix() -> None:
    source = '''\
import functools
from multiprocessing import Pool


def main():
    @functools.lru_cache()
    def work(x):
        return x

    with Pool(2) as pool:
        return pool.map(work, range(3))
'''
    assert fixed(source) == source
    assert reasons(source) == ["11:MPL202 'work' is decorated, and its decorator runs in main()"]


def test_recursive_closure_gets_no_fix_but_a_recursive_plain_function_moves() -> None:
    closure = '''\
from multiprocessing import Pool


def main(n):
    def fact(x):
        return 1 if x < 2 else x * fact(x - 1) + n

    with Pool(2) as pool:
        return pool.map(fact, range(3))
'''
    assert reasons(closure) == ["9:MPL202 'fact' calls itself and needs its closure; move it by hand"]
    plain = closure.replace(" + n", "").replace("main(n)", "main()")
    assert "\n\ndef fact(x):\n    return 1 if x < 2 else x * fact(x - 1)\n" in fixed(plain)


def test_local_class_gets_no_fix_and_says_what_to_do() -> None:
    source = '''\
from multiprocessing import Pool


def main():
    class Task:
        def __call__(self, x):
            return x

    with Pool(2) as pool:
        return pool.map(Task, range(3))
'''
    assert fixed(source) == source
    assert reasons(source) == [
        "10:MPL202 a class defined in a function is not moved automatically; define it at module level"
    ]


def test_lift_and_guard_fixes_combine_in_one_run() -> None:
    source = (ROOT / "examples" / "homework_word_count.py").read_text(encoding="utf-8")
    result = fix_source(source)
    assert result.declined == []
    assert [f.code for f in lint_source(result.after)] == []
    assert result.after.endswith(
        'if __name__ == "__main__":\n    mp.set_start_method("spawn")\n    pool = mp.Pool(4)\n\n    main(5)\n'
    )


# --- safety --------------------------------------------------------------------

SOURCES = fixture_files(ROOT) + sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_fix_compiles_loses_nothing_and_is_idempotent(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    config = fixture_config(source)
    once = fix_source(source, config)  # MP_LINT_DEBUG=1: a fix failing its checks raises
    assert unsafe(source, once.after, {"lambda": source.count("lambda")}) is None
    compile(once.after, str(path), "exec")
    assert fix_source(once.after, config).after == once.after


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_every_fixable_finding_left_has_a_reason(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    config = fixture_config(source)
    result = fix_source(source, config)
    lines = result.after.splitlines()
    left = {
        (f.line, f.col, f.code)
        for f in lint_source(result.after, str(path), config)
        if f.code in FIXABLE_CODES and not suppressed(f, lines)
    }
    assert left == {(d.line, d.col, d.code) for d in result.declined}


@pytest.mark.parametrize("demo", registry.all_demos(), ids=lambda d: d.code)
def test_demo_programs_fix_safely_and_hand_written_fixes_need_none(demo: registry.Demo) -> None:
    pitfall = fix_source(demo.pitfall.source)
    assert unsafe(demo.pitfall.source, pitfall.after, {"lambda": 1}) is None
    assert fix_source(pitfall.after).after == pitfall.after
    if not demo.pitfall.interactive:  # a notebook cell read as a script is another program
        assert pitfall.changed == (demo.code in FIXABLE_CODES)
        assert fix_source(demo.fix.source).after is demo.fix.source


def test_fixes_exist_for_exactly_the_five_codes_and_those_rules_exist() -> None:
    assert FIXABLE_CODES == {"MPL101", "MPL102", "MPL103", "MPL201", "MPL202"}
    assert FIXABLE_CODES <= registered_codes()


def test_source_with_nothing_to_fix_comes_back_unchanged() -> None:
    source = "from multiprocessing import Pool\n\n\ndef f():\n    with Pool() as p:\n        p.map(abs, [1])\n"
    result = fix_source(source)
    assert result.after is source
    assert not result.changed


def test_unsafe_names_lost_code_and_lost_comments() -> None:
    before = "x = 1  # keep\ny = lambda: 2\n"
    assert unsafe(before, "x = 1\ny = lambda: 2\n") == "it would drop '# keep'"
    assert unsafe(before, "x = 1  # keep\n") is not None
    assert unsafe(before, "x = 1  # keep\n\n\ndef f():\n    return 2\ny = f\n") == "it would drop 'lambda'"
    assert unsafe(before, "x = 1  # keep\n\n\ndef f():\n    return 2\ny = f\n", {"lambda": 1}) is None
    assert unsafe(before, "x = (1\n").startswith("the result does not compile")


def _breaking_family(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the guard fix produce code that drops a statement."""
    family = FAMILIES[1]
    original = family.fix

    def broken(analysis: object, wanted: object, allow_unsafe: bool = True) -> FamilyResult:
        result = original(analysis, wanted, allow_unsafe)
        if result.module is not None:
            result.module = result.module.with_changes(body=result.module.body[:-1])
        return result

    monkeypatch.setattr(family, "fix", broken)


def test_a_fix_that_fails_its_checks_is_withdrawn(monkeypatch: pytest.MonkeyPatch) -> None:
    _breaking_family(monkeypatch)
    monkeypatch.delenv("MP_LINT_DEBUG")
    result = fix_source(MODULE_LEVEL_POOL)
    assert result.after == MODULE_LEVEL_POOL
    assert [d.reason.split(":")[0] for d in result.declined] == ["the fix was withdrawn"]


def test_a_fix_that_fails_its_checks_raises_under_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    _breaking_family(monkeypatch)
    with pytest.raises(UnsafeFix, match="would drop"):
        fix_source(MODULE_LEVEL_POOL)


# --- files ---------------------------------------------------------------------


def cli(args: List[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> "tuple[int, str]":
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    status = run(args, out)
    return status, out.getvalue()


def test_file_without_findings_is_not_touched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clean.py"
    path.write_bytes(b"from multiprocessing import Pool\r\nx = 1 \r\n")
    os.utime(path, (1_000_000, 1_000_000))
    assert cli(["--fix", "clean.py"], tmp_path, monkeypatch) == (0, "")
    assert path.read_bytes() == b"from multiprocessing import Pool\r\nx = 1 \r\n"
    assert path.stat().st_mtime == 1_000_000


def test_encoding_newlines_and_mode_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    latin = tmp_path / "latin.py"
    source = "# -*- coding: latin-1 -*-\r\nfrom multiprocessing import Pool\r\nname = 'caf\xe9'\r\npool = Pool(2)\r\n"
    latin.write_bytes(source.encode("latin-1"))
    latin.chmod(0o750)
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbffrom multiprocessing import Pool\n\npool = Pool(2)\n")
    assert cli(["--fix", "--unsafe-fixes", "latin.py", "bom.py"], tmp_path, monkeypatch) == (0, "")
    assert latin.read_bytes() == (
        "# -*- coding: latin-1 -*-\r\nfrom multiprocessing import Pool\r\nname = 'caf\xe9'\r\n\r\n"
        'if __name__ == "__main__":\r\n    pool = Pool(2)\r\n'
    ).encode("latin-1")
    assert stat.S_IMODE(latin.stat().st_mode) == 0o750
    assert bom.read_bytes() == (
        b'\xef\xbb\xbffrom multiprocessing import Pool\n\nif __name__ == "__main__":\n    pool = Pool(2)\n'
    )


def test_interrupted_write_leaves_the_original_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "script.py"
    path.write_text(MODULE_LEVEL_POOL)

    def interrupted(source: str, target: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fixes.fix_file(path).write()
    assert path.read_text() == MODULE_LEVEL_POOL
    assert [p.name for p in tmp_path.iterdir()] == ["script.py"]


# --- the command -----------------------------------------------------------------

MIXED = '''\
from multiprocessing import Pool


def main(path):
    handle = open(path)
    with Pool(2) as pool:
        pool.map(lambda x: x + 1, [1])
        pool.apply(len, (handle,))
'''


def test_diff_shows_the_fix_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mixed.py"
    path.write_text(MIXED)
    status, out = cli(["--diff", "mixed.py"], tmp_path, monkeypatch)
    assert status == 1
    assert path.read_text() == MIXED
    assert out.splitlines() == [
        "# mp-lint: safe fixes for mixed.py (applied by --fix)",
        "--- a/mixed.py",
        "+++ b/mixed.py",
        "@@ -1,8 +1,12 @@",
        " from multiprocessing import Pool",
        "+",
        "+",
        "+def x_plus_1(x):",
        "+    return x + 1",
        " ",
        " ",
        " def main(path):",
        "     handle = open(path)",
        "     with Pool(2) as pool:",
        "-        pool.map(lambda x: x + 1, [1])",
        "+        pool.map(x_plus_1, [1])",
        "         pool.apply(len, (handle,))",
    ]


def test_fix_writes_then_reports_only_what_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "mixed.py"
    path.write_text(MIXED)
    status, out = cli(["--fix", "mixed.py"], tmp_path, monkeypatch)
    assert status == 1
    assert "pool.map(x_plus_1, [1])" in path.read_text()
    assert [line.split(" ")[:2] for line in out.splitlines()] == [["mixed.py:12:9:", "MPL203"]]
    assert capsys.readouterr().err == "mp-lint: fixed 1 finding(s) in 1 file(s); 1 left, 0 of them new\n"
    # Nothing left to fix, but a finding remains: --diff says so and exits 1.
    assert cli(["--diff", "mixed.py"], tmp_path, monkeypatch) == (1, "")
    assert [line.split(" ")[:2] for line in capsys.readouterr().err.splitlines()] == [["mixed.py:12:9:", "MPL203"]]


def test_finding_without_a_fix_is_explained_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = '''\
from multiprocessing import Pool


def main():
    total = 3
    with Pool(2) as pool:
        print(pool.map(lambda x: x + total, range(3)))
        print(pool.map(lambda x: x + 1, range(3)))
'''
    (tmp_path / "local.py").write_text(source)
    status, _ = cli(["--diff", "local.py"], tmp_path, monkeypatch)
    assert status == 1
    # The line is the one in the file as it is, not as the diff would make it.
    assert capsys.readouterr().err == (
        "local.py:7:15: MPL201 no fix: it reads 'total', a local variable of main(); make it a parameter\n"
    )


def test_diff_cannot_be_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mixed.py").write_text(MIXED)
    assert cli(["--diff", "--format", "json", "mixed.py"], tmp_path, monkeypatch) == (2, "")


# --- properties over generated programs ----------------------------------------

FRAGMENTS = [
    "pool = Pool(2)\nprint(pool.map(work, range(3)))",
    "mp.set_start_method('spawn')",
    "main()",
    "K = {n}",
    "def work(x):\n    return x * K",
    "def main(k={n}):\n    with Pool() as pool:\n        pool.map(lambda x: x + k, [1])",
    "def run(k):\n    local = k\n    with Pool() as pool:\n        pool.map(lambda x: x + local, [1])",
    "def outer(k):\n    def inner(x):\n        return x + k + K\n"
    "    with Pool() as pool:\n        return pool.map(inner, [1])",
    "def outer2():\n    def work(x):\n        return x\n    with Pool() as pool:\n        return pool.map(work, [1])",
    "if __name__ == '__main__':\n    main()",
    "with Pool() as pool:\n    pool.map(lambda x: [x for _ in range(K)], [1])",
    "for i in range(2):\n    Pool(1).map(work, [i])",
    "class C:\n    shared = Pool(1)",
    "print('between')",
    "x_times_x = {n}",
]


@st.composite
def fixable_programs(draw: st.DrawFn) -> str:
    """Recombined fragments that each hold (or surround) a fixable finding."""
    parts = [draw(st.sampled_from(FRAGMENTS)).format(n=draw(st.integers(0, 9))) for _ in range(draw(st.integers(1, 8)))]
    return "import multiprocessing as mp\nfrom multiprocessing import Pool\n\n" + "\n\n".join(parts) + "\n"


# Each example runs the fixes to their fixed point (about 0.2 s): few by default,
# MP_LINT_FUZZ_EXAMPLES=5000 for a long run.
@settings(max_examples=int(os.environ.get("MP_LINT_FUZZ_EXAMPLES", "25")), deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(fixable_programs())
def test_generated_programs_fix_safely_once_and_explain_the_rest(source: str) -> None:
    try:
        compile(source, "<generated>", "exec")
    except SyntaxError:
        return
    result = fix_source(source)  # MP_LINT_DEBUG=1: an unsafe fix raises UnsafeFix
    assert fix_source(result.after).after == result.after
    left = {(f.line, f.col, f.code) for f in lint_source(result.after) if f.code in FIXABLE_CODES}
    assert left == {(d.line, d.col, d.code) for d in result.declined}


# --- end to end: the demos, fixed by the command, run under spawn ----------------

E2E_CODES = sorted(FIXABLE_CODES)


@pytest.mark.parametrize("code", E2E_CODES)
def test_fixed_pitfall_runs_under_spawn_like_the_hand_written_fix(code: str, tmp_path: Path) -> None:
    demo = registry.get(code)
    program = demo.pitfall.write(tmp_path / "fixed")
    done = subprocess.run(
        [sys.executable, "-m", "mp_lint", "--fix", "--unsafe-fixes", program.name],
        cwd=program.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    source = program.read_text(encoding="utf-8")
    assert source != demo.pitfall.source

    after = runner.run_program(replace(demo.pitfall, source=source, timeout=demo.fix.timeout), tmp_path / "fixed")
    hand_written = runner.run_program(demo.fix, tmp_path / "fix")

    assert not after.timed_out and after.returncode == 0, after.stderr
    assert "Traceback" not in after.stderr
    assert after.stdout == hand_written.stdout
    assert demo.judge(after, after).fix_ok  # the demo's own check accepts it as a working fix


def test_readme_before_and_after_are_what_the_command_it_shows_writes(
    repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Fixes\n", 1)[1].split("\n## ", 1)[0]
    before, after = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    command = re.search(r"After `mp-lint ([^`]*) words\.py`", section)
    assert command is not None
    assert command.group(1).split() == ["--fix", "--unsafe-fixes"]  # its fixes are unsafe: --fix alone holds them back
    (tmp_path / "words.py").write_text(before, encoding="utf-8")
    assert cli(command.group(1).split() + ["words.py"], tmp_path, monkeypatch) == (0, "")
    assert (tmp_path / "words.py").read_text(encoding="utf-8") == after
