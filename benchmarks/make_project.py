"""Write a project whose scripts import a package of its own, for the benchmark.

    python benchmarks/make_project.py DIR

`DIR/shop/` is a package of MODULES modules: a few wrap process pools
(`parallel_map`, `run_all`), the rest are ordinary code (data classes,
parsing, arithmetic) that the pools' users also import. `DIR/scripts/`
holds SCRIPTS scripts, each importing several package modules and calling
the helpers the way course code does, some correctly and some not.
"""

from __future__ import annotations

import sys
from pathlib import Path

MODULES = 24
SCRIPTS = 60

_POOL_MODULE = '''"""Process helpers."""

from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import Pool

from . import records{index}


def parallel_map(fn, items, key=None):
    with Pool(2) as pool:
        out = pool.map(fn, items)
    return sorted(out, key=key) if key else out


def submit_each(fn, items, **options):
    with ProcessPoolExecutor(2) as executor:
        return [executor.submit(partial(fn, **options), item).result() for item in items]


def run_all():
    return parallel_map(records{index}.normalise, range(100))
'''

_PLAIN_MODULE = '''"""Ordinary code: records and arithmetic."""

from dataclasses import dataclass
from typing import Dict, List


@dataclass
class Record{index}:
    name: str
    value: float

    def scaled(self, factor: float) -> float:
        return self.value * factor


def normalise(x):
    return x / {divisor}


def parse(lines: List[str]) -> Dict[str, float]:
    found = {{}}
    for line in lines:
        name, _, value = line.partition("=")
        if value:
            found[name.strip()] = float(value)
    return found


def total(records: List[Record{index}]) -> float:
    return sum(r.value for r in records)
'''

_SCRIPT = '''"""Script {index}."""

import sys

from shop import parallel{pool}, records{plain}
from shop.parallel{pool} import parallel_map, run_all, submit_each
from shop.records{plain} import Record{plain}, normalise, parse


def square(x):
    return x * x


def main(argv):
    data = parse(argv)
    rows = [Record{plain}(name, value) for name, value in data.items()]
    print(parallel_map(square, range(10), key=lambda v: -v))
    print(submit_each(normalise, range(4)))
    print(parallel{pool}.parallel_map({task}, range(10)))
    return sum(r.scaled(2) for r in rows)


{entry}
'''


def write_project(root: Path) -> None:
    package = root / "shop"
    package.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n')
    (package / "__init__.py").write_text('"""The shop package."""\n')
    pools = MODULES // 6
    for index in range(MODULES):
        (package / f"records{index}.py").write_text(_PLAIN_MODULE.format(index=index, divisor=index + 1))
    for index in range(pools):
        (package / f"parallel{index}.py").write_text(_POOL_MODULE.format(index=index))
    scripts = root / "scripts"
    scripts.mkdir(exist_ok=True)
    for index in range(SCRIPTS):
        task = "lambda x: x + 1" if index % 5 == 0 else "square"
        entry = "run_all()" if index % 7 == 0 else 'if __name__ == "__main__":\n    main(sys.argv[1:])'
        (scripts / f"script{index}.py").write_text(
            _SCRIPT.format(index=index, pool=index % pools, plain=index % MODULES, task=task, entry=entry)
        )


if __name__ == "__main__":
    write_project(Path(sys.argv[1]))
