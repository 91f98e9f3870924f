"""How big a value is: lengths of iterables, integers, plausibly large objects.

MPL601 asks whether an object is plausibly large (a collection, file
contents, an array or frame; never a number or short string); MPL602 how
many items a map goes over. None means "cannot tell".
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from mp_lint.model.module import Scope
from mp_lint.model.values import MAX_DEPTH, Part, ValueQuestions, is_builtin, named

#: Sizes are capped here: anything larger is "very large" and exact values stop mattering.
_SIZE_CAP = 10**12

#: numpy functions that build an array from sizes or data (large unless visibly small).
_NUMPY_ARRAYS = frozenset(
    {
        "zeros",
        "ones",
        "empty",
        "full",
        "array",
        "asarray",
        "arange",
        "linspace",
        "load",
        "loadtxt",
        "genfromtxt",
        "fromfile",
        "frombuffer",
        "concatenate",
        "stack",
        "vstack",
        "hstack",
        "zeros_like",
        "ones_like",
        "empty_like",
        "full_like",
        "eye",
        "identity",
        "tile",
        "memmap",
    }
)


_NUMPY_RANDOM_SIZED = frozenset({"rand", "randn"})  # sizes as positional arguments


_PANDAS_FRAMES = frozenset({"DataFrame", "concat", "merge"})


#: Builtins that materialise a collection from their argument.
_COLLECTION_BUILTINS = {"list": "list", "dict": "dict", "set": "set", "sorted": "list", "bytearray": "bytearray"}


#: Methods returning a file's whole contents.
_READ_METHODS = frozenset({"read", "readlines", "read_text", "read_bytes"})


#: A literal collection this long is plausibly large (shorter ones are config).
LARGE_LITERAL = 1_000


class SizeQuestions(ValueQuestions):
    """Sizes of values, for one model."""

    def plausibly_large(self, part: Part) -> Optional[str]:
        """How to name `part` if it is plausibly a large object to pickle.

        A comprehension, `list(...)`/`dict(...)`/`set(...)`/`sorted(...)`,
        file contents (`.read()`, `.readlines()`), a numpy
        array or pandas frame, or a literal of 1,000+ items; not when its
        size is visibly small. Never a number, string, lock, proxy or
        callable.
        """
        found = self._large(part.expr, part.scope, 0)
        return None if found is None else named(found, part.expr)

    def _large(self, expr: cst.BaseExpression, scope: Scope, depth: int) -> Optional[str]:
        if depth > MAX_DEPTH:
            return None
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is None or binding.expr is None:
                return None
            return self._large(binding.expr, binding.scope, depth + 1)
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.DictComp)):
            size = self.size(expr, scope, exact=False)
            if size is not None and size < LARGE_LITERAL:
                return None
            return {cst.ListComp: "list", cst.SetComp: "set", cst.DictComp: "dict"}[type(expr)]
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
            size = self.size(expr, scope, exact=True)
            if size is None or size < LARGE_LITERAL:
                return None
            return type(expr).__name__.lower()
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            size = self.size(expr, scope, exact=True)
            return "list" if size is not None and size >= LARGE_LITERAL else None
        if isinstance(expr, cst.Call):
            return self._large_call(expr, scope, depth)
        return None

    def _large_call(self, call: cst.Call, scope: Scope, depth: int) -> Optional[str]:
        func = call.func
        positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        for builtin, what in _COLLECTION_BUILTINS.items():
            if is_builtin(self.model, func, scope, builtin):
                if not positional:
                    return None  # `dict(a=1)`: a small record
                first = positional[0]
                if isinstance(first, (cst.Integer, cst.SimpleString)):
                    return None
                size = self.size(first, scope, exact=False)
                return None if size is not None and size < LARGE_LITERAL else what
        if isinstance(func, cst.Attribute) and func.attr.value in _READ_METHODS:
            if func.attr.value == "read" and positional:
                return None  # `read(n)`: a bounded read
            return "file contents"
        qualname = self.qualname_of(func, scope)
        if qualname is None:
            return None
        package, _, rest = qualname.partition(".")
        if package == "numpy":
            if rest in _NUMPY_ARRAYS:
                return None if self._visibly_small(positional[:1], scope) else "numpy array"
            if rest.startswith("random.") and rest[7:] in _NUMPY_RANDOM_SIZED and positional:
                return None if self._visibly_small(positional, scope) else "numpy array"
            return None
        if package == "pandas":
            if rest.startswith("read_"):
                return "DataFrame"
            if rest in _PANDAS_FRAMES or rest == "Series":
                if positional and isinstance(positional[0], (cst.Dict, cst.List, cst.Tuple)):
                    return None if self._visibly_small(positional[:1], scope) else "DataFrame"
                return "Series" if rest == "Series" else "DataFrame"
        return None

    def _visibly_small(self, args: List[cst.BaseExpression], scope: Scope) -> bool:
        """Array shapes/data given as literals whose item count is under LARGE_LITERAL."""
        if not args:
            return False
        total = 1
        for arg in args:
            count = self.int_value(arg, scope)
            if count is None and isinstance(arg, (cst.Tuple, cst.List)):
                count = self._shape_items(arg, scope)
                if count is None:  # not a shape: array data given as a literal
                    count = self.size(arg, scope, exact=True)
            elif count is None and isinstance(arg, cst.Dict):
                count = self.size(arg, scope, exact=True)
            if count is None:
                return False
            total *= max(count, 0)
            if total >= LARGE_LITERAL:
                return False
        return True

    def _shape_items(self, shape: cst.BaseExpression, scope: Scope) -> Optional[int]:
        """Items of an array of shape `(2, 3)`: 6; None unless every dimension is visible."""
        if not isinstance(shape, (cst.Tuple, cst.List)) or not shape.elements:
            return None
        total = 1
        for element in shape.elements:
            if not isinstance(element, cst.Element):
                return None
            dimension = self.int_value(element.value, scope)
            if dimension is None:
                return None
            total = min(total * max(dimension, 0), _SIZE_CAP)
        return total

    def size(self, expr: Optional[cst.BaseExpression], scope: Scope, exact: bool, depth: int = 0) -> Optional[int]:
        """How many items iterating `expr` yields, when visible (None otherwise).

        With `exact=False` the answer may be an upper bound (comprehension
        filters are ignored). `range(...)` of integer expressions, literals,
        comprehensions, `[x] * n`, `list()`/`tuple()`/`sorted()`/
        `reversed()`/`enumerate()`/`zip()` of those, and names bound once.
        """
        if expr is None or depth > MAX_DEPTH:
            return None
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            if any(not isinstance(e, cst.Element) for e in expr.elements):
                return None  # `*rest` has an unknown length
            return None if isinstance(expr, cst.Set) and exact else len(expr.elements)
        if isinstance(expr, cst.Dict):
            if any(not isinstance(e, cst.DictElement) for e in expr.elements):
                return None
            return len(expr.elements)
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp, cst.DictComp)):
            if exact and isinstance(expr, (cst.SetComp, cst.DictComp)):
                return None
            total = 1
            comp: Optional[cst.CompFor] = expr.for_in
            while comp is not None:
                if exact and comp.ifs:
                    return None
                count = self.size(comp.iter, scope, exact, depth + 1)
                if count is None:
                    return None
                total = min(total * count, _SIZE_CAP)
                comp = comp.inner_for_in
            return total
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            for sequence, times in ((expr.left, expr.right), (expr.right, expr.left)):
                if isinstance(sequence, (cst.List, cst.Tuple)):
                    count = self.size(sequence, scope, exact, depth + 1)
                    factor = self.int_value(times, scope)
                    if count is not None and factor is not None:
                        return min(count * max(factor, 0), _SIZE_CAP)
            return None
        if isinstance(expr, cst.Call):
            return self._call_size(expr, scope, exact, depth)
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self.size(binding.expr, binding.scope, exact, depth + 1)
        return None

    def _call_size(self, call: cst.Call, scope: Scope, exact: bool, depth: int) -> Optional[int]:
        func = call.func
        if any(arg.star for arg in call.args):
            return None
        positional = [arg.value for arg in call.args if arg.keyword is None]
        if is_builtin(self.model, func, scope, "range"):
            if call.args and len(positional) != len(call.args):
                return None
            bounds: List[int] = []
            for arg in positional:
                bound = self.int_value(arg, scope)
                if bound is None:
                    return None
                bounds.append(bound)
            if not 1 <= len(bounds) <= 3:
                return None
            if len(bounds) == 1:
                bounds = [0, bounds[0]]
            step = bounds[2] if len(bounds) == 3 else 1
            if step == 0:
                return None
            return min(len(range(bounds[0], bounds[1], step)), _SIZE_CAP)
        for name in ("list", "tuple", "sorted", "reversed", "enumerate", "iter"):
            if is_builtin(self.model, func, scope, name):
                return self.size(positional[0], scope, exact, depth + 1) if positional else None
        if is_builtin(self.model, func, scope, "zip"):
            sizes: List[int] = []
            for arg in positional:
                size = self.size(arg, scope, exact, depth + 1)
                if size is None:
                    return None
                sizes.append(size)
            return min(sizes) if sizes else None
        return None

    def int_value(self, expr: Optional[cst.BaseExpression], scope: Scope, depth: int = 0) -> Optional[int]:
        """The value of a constant integer expression (`10_000`, `N * 2`, `len(items)`)."""
        if expr is None or depth > MAX_DEPTH:
            return None
        if isinstance(expr, cst.Integer):
            try:
                value = expr.evaluated_value
            except Exception:  # an odd literal is not one we know
                return None
            return value if isinstance(value, int) and abs(value) <= _SIZE_CAP else None
        if isinstance(expr, cst.UnaryOperation):
            inner = self.int_value(expr.expression, scope, depth + 1)
            if inner is None:
                return None
            if isinstance(expr.operator, cst.Minus):
                return -inner
            return inner if isinstance(expr.operator, cst.Plus) else None
        if isinstance(expr, cst.BinaryOperation):
            left = self.int_value(expr.left, scope, depth + 1)
            right = self.int_value(expr.right, scope, depth + 1)
            if left is None or right is None:
                return None
            return _arithmetic(expr.operator, left, right)
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self.int_value(binding.expr, binding.scope, depth + 1)
            return None
        if (
            isinstance(expr, cst.Call)
            and len(expr.args) == 1
            and not expr.args[0].star
            and expr.args[0].keyword is None
        ):
            arg = expr.args[0].value
            if is_builtin(self.model, expr.func, scope, "len"):
                return self.size(arg, scope, True, depth + 1)
            if is_builtin(self.model, expr.func, scope, "int"):
                if isinstance(arg, cst.Float):
                    try:
                        number = float(arg.evaluated_value)
                    except Exception:
                        return None
                    return int(number) if abs(number) <= _SIZE_CAP else None
                return self.int_value(arg, scope, depth + 1)
        return None

    def map_length(self, iterables: List[Part]) -> Optional[int]:
        """How many calls a map over `iterables` makes (the shortest; `repeat(x)` is endless)."""
        sizes: List[int] = []
        for iterable in iterables:
            expr = iterable.expr
            if (
                isinstance(expr, cst.Call)
                and len(expr.args) == 1
                and self.qualname_of(expr.func, iterable.scope) == "itertools.repeat"
            ):
                continue
            size = self.size(expr, iterable.scope, exact=True)
            if size is None:
                return None
            sizes.append(size)
        return min(sizes) if sizes else None


def _arithmetic(operator: cst.BaseBinaryOp, left: int, right: int) -> Optional[int]:
    if isinstance(operator, cst.Add):
        value = left + right
    elif isinstance(operator, cst.Subtract):
        value = left - right
    elif isinstance(operator, cst.Multiply):
        value = left * right
    elif isinstance(operator, cst.FloorDivide):
        if right == 0:
            return None
        value = left // right
    elif isinstance(operator, cst.Power):
        if right < 0 or right > 64 or abs(left) > 10**6:
            return None
        value = left**right
    else:
        return None
    return value if abs(value) <= _SIZE_CAP else None
