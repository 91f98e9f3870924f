"""Recognise `if __name__ == "__main__":` in the spellings people write."""

from __future__ import annotations

from typing import Optional

import libcst as cst


def _is_dunder_name(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "__name__"


def _is_main_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "__main__"


def _comparison_guard(test: cst.Comparison) -> Optional[bool]:
    if len(test.comparisons) != 1:
        return None
    target = test.comparisons[0]
    left, right = test.left, target.comparator
    if not (
        (_is_dunder_name(left) and _is_main_literal(right))
        or (_is_main_literal(left) and _is_dunder_name(right))
    ):
        return None
    if isinstance(target.operator, (cst.Equal, cst.Is)):
        return True
    if isinstance(target.operator, (cst.NotEqual, cst.IsNot)):
        return False
    return None


def main_guard_polarity(test: cst.BaseExpression) -> Optional[bool]:
    """Whether an `if` test is a `__main__` guard.

    True: the body runs only as the main script (`__name__ == "__main__"`,
    reversed operands, either quote, `and`-ed with more conditions).
    False: the `else` branch is the guarded one (`__name__ != "__main__"`).
    None: not a guard.
    """
    if isinstance(test, cst.Comparison):
        return _comparison_guard(test)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        # `__name__ == "__main__" and x`: the body still only runs as a script.
        for side in (test.left, test.right):
            if main_guard_polarity(side) is True:
                return True
    return None
