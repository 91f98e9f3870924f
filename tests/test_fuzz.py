"""Property tests: no generated program makes the plugin raise.

The default run tries a bounded number of examples; the `slow` runs
(`python -m pytest -m slow`, run by .ci/run) try many more. Set
MP_LINT_FUZZ_EXAMPLES / MP_LINT_FUZZ_LONG_EXAMPLES to change either.
"""

from __future__ import annotations

import os

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mp_lint.engine import lint_source

EXAMPLES = int(os.environ.get("MP_LINT_FUZZ_EXAMPLES", "25"))
# hypothesmith's programs cost about ten times more each than the recombined ones.
LONG_EXAMPLES = int(os.environ.get("MP_LINT_FUZZ_LONG_EXAMPLES", "1500"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
LONG_FUZZ = settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
LONG_GENERATED_FUZZ = settings(
    max_examples=max(1, LONG_EXAMPLES // 3), deadline=None, suppress_health_check=list(HealthCheck)
)

# Imports that get generated code past the pre-filter and bind the names the
# snippets below use.
HEADER = (
    "import multiprocessing as mp\n"
    "from multiprocessing import Pool, Process, Queue, Manager, Lock\n"
    "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n"
    "from functools import partial\n"
)

# Fragments of process-API code, recombined and nested at random so the
# model and every rule meet unusual shapes of familiar code.
SNIPPETS = [
    "pool = Pool({n})",
    "with Pool({n}) as pool:\n    pool.map(lambda x: x, range({n}))",
    "r = pool.apply_async(work, ({n},))",
    "ex = ProcessPoolExecutor()\nf = ex.submit(work, {n})",
    "p = Process(target=work, args=(q,))\np.start()\np.join()",
    "q = Queue()\nq.put({n})",
    "def work(x):\n    return open('f{n}').read()",
    "def main():\n    def inner(y):\n        return y\n    with Pool() as pool:\n        pool.map(inner, range({n}))",
    "mp.set_start_method('spawn')",
    "ctx = mp.get_context('fork')\nctx.Pool({n})",
    "for i in range({n}):\n    pool.apply_async(work, (data, i))",
    "data = [0] * {n}\nlist(pool.imap(partial(work, data), range(100000)))",
    "if __name__ == '__main__':\n    main()",
    "main()",
    "class W(Process):\n    def run(self):\n        self.fh = open('x')",
    "lock = Lock()\npool.map(work, [lock])",
    "m = Manager()\nd = m.dict()",
    "try:\n    mp.set_start_method('spawn')\nexcept RuntimeError:\n    pass",
    "with ThreadPoolExecutor() as t:\n    t.submit(lambda: {n})",
    "global pool\npool = None",
    "x = y = z = pool",
    "pool, other = Pool(), Pool()",
    "del pool",
    "async def coro():\n    await something({n})",
    "lambda pool=Pool(): pool.map(work, [])",
]


def _indent(text: str) -> str:
    return "".join("    " + line + "\n" for line in text.splitlines())


@st.composite
def process_programs(draw: st.DrawFn) -> str:
    """Random sequences of snippets, some nested in defs, ifs and withs."""
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        snippet = draw(st.sampled_from(SNIPPETS)).format(n=draw(st.integers(0, 20000)))
        wrapper = draw(st.sampled_from(["", "def f{}():\n", "if cond:\n", "with ctx_{}:\n", "class C{}:\n", "try:\n"]))
        if wrapper:
            body = _indent(snippet)
            if wrapper == "try:\n":
                parts.append(wrapper + body + "except Exception:\n    pass\n")
            else:
                parts.append(wrapper.format(draw(st.integers(0, 9))) + body)
        else:
            parts.append(snippet + "\n")
    return HEADER + "".join(parts)


def check_recombined(source: str) -> None:
    compiles = True
    try:
        compile(source, "<fuzz>", "exec")
    except SyntaxError:
        compiles = False  # e.g. `global` after use: the engine must still not raise
    findings = lint_source(source, "fuzz.py", compiles=compiles)
    lines = source.count("\n") + 1
    assert all(1 <= finding.line <= lines for finding in findings)


@FUZZ
@given(process_programs())
def test_recombined_process_code_never_raises(source: str) -> None:
    check_recombined(source)


@FUZZ
@given(hypothesmith.from_node())
def test_generated_python_never_raises(body: str) -> None:
    lint_source(HEADER + body, "generated.py")


@pytest.mark.slow
@LONG_FUZZ
@given(process_programs())
def test_recombined_process_code_never_raises_long_run(source: str) -> None:
    check_recombined(source)


@pytest.mark.slow
@LONG_GENERATED_FUZZ
@given(hypothesmith.from_node())
def test_generated_python_never_raises_long_run(body: str) -> None:
    lint_source(HEADER + body, "generated.py")
