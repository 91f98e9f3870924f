"""mp-lint: a flake8 plugin that flags multiprocessing pitfalls.

The public entry points are :mod:`mp_lint.plugin` (flake8) and
:func:`mp_lint.engine.lint_source` (everything else).
"""

__version__ = "0.1.0"
