"""What the linted code means: imports, process APIs, pools, workers, guards.

Rules ask this model questions; they never resolve names themselves.
"""

from mp_lint.model.apis import Family, Kind, Value
from mp_lint.model.module import ApiCall, FunctionInfo, ModuleModel, build_model

__all__ = ["ApiCall", "Family", "FunctionInfo", "Kind", "ModuleModel", "Value", "build_model"]
