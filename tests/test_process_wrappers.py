"""The wider process APIs of "Which APIs count", end to end: what the
messages call them, and files that use only a wrapper are not skipped."""

from __future__ import annotations

import textwrap
from typing import List, Tuple

import pytest

from mp_lint.config import Config
from mp_lint.engine import lint_source


def findings(source: str) -> List[Tuple[int, str, str]]:
    return [(f.line, f.code, f.message) for f in lint_source(textwrap.dedent(source), "job.py", Config())]


@pytest.mark.parametrize(
    "imports, call",
    [
        ("import parmap", "parmap.map(lambda x: x, range(3))"),
        ("from tqdm.contrib.concurrent import process_map", "process_map(lambda x: x, range(3))"),
        ("from torch.utils.data import DataLoader", "DataLoader(range(3), num_workers=2, collate_fn=lambda b: b)"),
    ],
)
def test_a_file_that_uses_only_a_wrapper_is_analysed(imports: str, call: str) -> None:
    source = f"{imports}\n\n\ndef main():\n    {call}\n"
    assert [(line, code) for line, code, _ in findings(source)] == [(5, "MPL201")]


def test_messages_name_the_wrapper_and_its_hook() -> None:
    source = """
    import parmap
    from torch.utils.data import DataLoader
    from tqdm.contrib.concurrent import process_map

    squares = parmap.map(abs, range(3))
    cubes = process_map(abs, range(3))


    def main():
        DataLoader(range(3), num_workers=2, worker_init_fn=lambda worker: None)
    """
    assert [(line, message) for line, _, message in findings(source)] == [
        (6, "parmap.map() starts processes at import; children re-import this module: move under __main__ guard"),
        (7, "process_map() starts processes at import; children re-import this module: move under __main__ guard"),
        (11, "lambda sent to a worker via DataLoader(worker_init_fn=) cannot be pickled; use a module-level def"),
    ]


def test_a_pathos_pool_is_named_as_such_not_as_an_executor() -> None:
    source = """
    from pathos.multiprocessing import ProcessingPool

    pool = ProcessingPool(2)
    print(pool.map(abs, range(3)))
    """
    assert findings(source) == [
        (
            4,
            "MPL101",
            "ProcessingPool() starts processes at import; children re-import this module: move under __main__ guard",
        )
    ]
