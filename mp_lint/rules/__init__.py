"""The rules, one module each, discovered by their `Rule` subclasses.

Adding a rule is adding a file here: nothing else needs an edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Dict, FrozenSet, List, Type

from mp_lint.rules.base import Report, Rule

__all__ = ["Report", "Rule", "all_rules", "registered_codes"]

_RULES: List[Type[Rule]] = []


def all_rules() -> List[Type[Rule]]:
    """Every rule class, sorted by code."""
    if not _RULES:
        found: Dict[str, Type[Rule]] = {}
        for module_info in pkgutil.iter_modules(__path__):
            if not module_info.name.startswith("mpl"):
                continue
            module = importlib.import_module(f"{__name__}.{module_info.name}")
            for value in vars(module).values():
                is_rule = isinstance(value, type) and issubclass(value, Rule) and bool(value.code)
                if is_rule and value.__module__ == module.__name__:
                    if value.code in found:
                        raise RuntimeError(f"two rules claim {value.code}")
                    found[value.code] = value
        _RULES.extend(found[code] for code in sorted(found))
    return list(_RULES)


def registered_codes() -> FrozenSet[str]:
    """The codes of every implemented rule."""
    return frozenset(rule.code for rule in all_rules())
