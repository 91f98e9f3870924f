"""A name for a lambda that becomes a module-level def: what it computes, in a few words.

`lambda x: x * x` becomes `x_times_x`, `lambda row: len(row)` becomes
`len_of_row`; a body that says nothing short gets a name from its role
(`process_target`, `init_worker`, `map_task`).
"""

from __future__ import annotations

import re
from typing import List, Optional

import libcst as cst

from mp_lint.model.module import Handoff, Role


_OPERATORS = {
    cst.Add: "plus", cst.Subtract: "minus", cst.Multiply: "times", cst.Divide: "over",
    cst.FloorDivide: "div", cst.Modulo: "mod", cst.Power: "pow", cst.MatrixMultiply: "matmul",
    cst.BitAnd: "and", cst.BitOr: "or", cst.BitXor: "xor", cst.LeftShift: "lshift", cst.RightShift: "rshift",
    cst.Equal: "eq", cst.NotEqual: "ne", cst.LessThan: "lt", cst.LessThanEqual: "le",
    cst.GreaterThan: "gt", cst.GreaterThanEqual: "ge", cst.In: "in", cst.NotIn: "not_in",
    cst.Is: "is", cst.IsNot: "is_not",
}  # fmt: skip
_MAX_WORDS = 5
_MAX_LENGTH = 32


def _words(node: cst.BaseExpression, depth: int = 0) -> Optional[List[str]]:
    """A few words that say what an expression computes, or None."""
    if depth > 3:
        return None
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, cst.Integer):
        return [node.value] if re.fullmatch(r"[0-9]{1,6}", node.value) else None
    if isinstance(node, cst.Attribute):
        value = _words(node.value, depth + 1) if isinstance(node.value, cst.Name) else None
        return (value or []) + [node.attr.value]  # c.values -> c_values
    if isinstance(node, cst.Call):
        func = _words(node.func, depth + 1)
        if func is None:
            return None
        if len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star:
            argument = _words(node.args[0].value, depth + 1)
            if argument is not None and isinstance(node.func, cst.Name):
                return func + ["of"] + argument  # len(x) -> len_of_x
        return func if len(func) > 1 else ["call"] + func  # print("hi") -> call_print
    if isinstance(node, cst.Subscript):
        value = _words(node.value, depth + 1)
        return None if value is None else value + ["item"]
    if isinstance(node, cst.BinaryOperation):
        left, right = _words(node.left, depth + 1), _words(node.right, depth + 1)
        word = _OPERATORS.get(type(node.operator))
        return None if left is None or right is None or word is None else left + [word] + right
    if isinstance(node, cst.UnaryOperation):
        operand = _words(node.expression, depth + 1)
        word = {cst.Minus: "minus", cst.Not: "not", cst.BitInvert: "invert"}.get(type(node.operator))
        return None if operand is None or word is None else [word] + operand
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        target = node.comparisons[0]
        left, right = _words(node.left, depth + 1), _words(target.comparator, depth + 1)
        word = _OPERATORS.get(type(target.operator))
        return None if left is None or right is None or word is None else left + [word] + right
    return None


def lambda_name(lam: cst.Lambda, handoff: Handoff) -> str:
    """The name the def made from `lam` gets (before making it unique in the module)."""
    words = _words(lam.body)
    # One word would only repeat a name (`lambda x: x` -> `x`): not a description.
    if words and 1 < len(words) <= _MAX_WORDS:
        name = "_".join(words)
        if len(name) <= _MAX_LENGTH and name.isidentifier() and not name[0].isdigit():
            return name
    if handoff.role is Role.TARGET:
        return "process_target"
    if handoff.role is Role.INITIALIZER:
        return "init_worker"
    return f"{handoff.method}_task"
