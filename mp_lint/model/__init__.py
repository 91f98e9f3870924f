"""What the linted code means: imports, process APIs, pools, workers, guards.

Rules ask this model questions; they never resolve names themselves.
Exports are loaded lazily so that the flake8 pre-filter, which only needs
`mp_lint.model.apis`, does not import libcst.
"""

from typing import Any

__all__ = ["ApiCall", "Family", "FunctionInfo", "Kind", "ModuleModel", "Value", "build_model"]


def __getattr__(name: str) -> Any:
    if name in ("Family", "Kind", "Value"):
        from mp_lint.model import apis

        return getattr(apis, name)
    if name == "build_model":
        from mp_lint.model import build

        return build.build_model
    if name in __all__:
        from mp_lint.model import module

        return getattr(module, name)
    raise AttributeError(name)
