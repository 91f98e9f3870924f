"""What an expression is bound to: the base of the argument analyses.

Everything is answered from the model's bindings (`ModuleModel.binding_of`,
`value_of`), following a name only when it is bound exactly once, and
answering None ("cannot tell") otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from mp_lint.model.apis import Kind
from mp_lint.model.module import Binding, BindingKind, ClassInfo, ModuleModel, Scope

#: How far a chain of names (`a = b`, `b = open(p)`) or nested objects is followed.
MAX_DEPTH = 4


@dataclass(frozen=True)
class Part:
    """An expression that is pickled, with the scope its names resolve in."""

    expr: cst.BaseExpression
    scope: Scope


@dataclass(frozen=True)
class ElementPart:
    """A part of every element (or of some element) of a map-style iterable."""

    part: Part
    #: the same object in every element: evaluated once, outside the iteration
    #: (`data` in `[(data, i) for i in ...]`, `x` in `repeat(x)`).
    invariant: bool


class ValueQuestions:
    """Bindings and names, for one model: the base of the argument analyses."""

    def __init__(self, model: ModuleModel) -> None:
        self.model = model

    def single_assignment(self, name: cst.Name, scope: Scope, allow_with: bool = False) -> Optional[Binding]:
        """The one plain `name = value` binding of `name`, else None."""
        binding = self.model.binding_of(name.value, scope)
        if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
            return None
        if binding.from_with and not allow_with:
            return None
        return binding

    def qualname_of(self, func: cst.BaseExpression, scope: Scope) -> Optional[str]:
        """The dotted name an imported callable resolves to (None if not imported)."""
        value = self.model.value_of(func, scope)
        return value.name if value.kind is Kind.QUALNAME else None

    def class_called(self, func: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        """The class of this module that `func` names, if it is one."""
        if not isinstance(func, cst.Name):
            return None
        binding = self.model.binding_of(func.value, scope)
        if binding is None or binding.kind is not BindingKind.CLASS or not isinstance(binding.definition, ClassInfo):
            return None
        return binding.definition

    def _is_module_class(self, func: cst.BaseExpression, scope: Scope) -> bool:
        return self.class_called(func, scope) is not None


def is_builtin(model: ModuleModel, func: cst.BaseExpression, scope: Scope, name: str) -> bool:
    """`func` is the builtin `name` (the module never rebinds it)."""
    return isinstance(func, cst.Name) and func.value == name and model.lookup(name, scope) is None


def named(what: str, expr: cst.BaseExpression) -> str:
    """`open file 'log'` when the argument is a name, else the bare description.

    A description may say where the name goes with a `{name}` marker
    (`Writer object 'w' holding an open file in .out`).
    """
    name = f" '{expr.value}'" if isinstance(expr, cst.Name) else ""
    if "{name}" in what:
        return what.replace("{name}", name)
    return what + name
