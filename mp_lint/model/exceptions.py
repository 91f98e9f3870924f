"""Exception classes that cannot travel back from a worker (MPL206).

An exception raised in a pool or executor task is pickled back to the
parent. `BaseException.__reduce__` stores only `type(self)` and
`self.args`, and `args` holds what reached `BaseException.__init__`; the
parent rebuilds the exception as `type(*args)`. A class whose `__init__`
requires arguments it does not pass on to `super().__init__()` (typically it
passes one formatted message) cannot be rebuilt: the parent's unpickling
raises `TypeError`, which kills `Pool`'s result thread (`map()` waits
forever) and breaks a `ProcessPoolExecutor` (`BrokenProcessPool`).

Deliberately narrow: only classes of this module with one base that is a
plain builtin exception (or such a class of this module), without
decorators, `__reduce__` or `__reduce_ex__`, whose `__init__` calls
`super().__init__(...)` (or `Base.__init__(self, ...)`) with plain
positional arguments. Anything else stays silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst

from mp_lint.model.body import body_of
from mp_lint.model.module import BindingKind, ClassInfo, FunctionInfo, ModuleModel
from mp_lint.model.workers import workers

__all__ = ["BrokenException", "WorkerRaise", "broken_exceptions", "worker_raises"]

#: Builtin bases whose pickling is plain `type(*args)` (not OSError and its
#: family, nor ImportError or UnicodeError: they reduce differently).
_PLAIN_BUILTINS = frozenset(
    {
        "BaseException", "Exception", "ValueError", "RuntimeError", "TypeError", "KeyError", "LookupError",
        "IndexError", "ArithmeticError", "ZeroDivisionError", "OverflowError", "AssertionError",
        "AttributeError", "NotImplementedError", "NameError", "EOFError", "Warning", "UserWarning",
        "RuntimeWarning",
    }
)
_REDUCERS = ("__reduce__", "__reduce_ex__")
_MAX_CHAIN = 10


@dataclass(frozen=True)
class BrokenException:
    """An exception class of this module that `type(*args)` cannot rebuild."""

    klass: ClassInfo
    #: the parameters `__init__` requires (positional, then keyword-only).
    required: Tuple[str, ...]
    #: how many arguments reach `BaseException.__init__`.
    passed: int


@dataclass(frozen=True)
class WorkerRaise:
    """A `raise` of a broken exception class in a task's code."""

    node: cst.Raise
    function: FunctionInfo
    exception: BrokenException


@dataclass(frozen=True)
class _Init:
    required: Tuple[str, ...]
    positional_required: int
    positional: int  # positional parameters after self
    star: bool  # takes *args
    kwonly_required: bool
    #: positional arguments given to the super call; None: no (single, plain) super call.
    forwarded: Optional[int]


def broken_exceptions(model: ModuleModel) -> Dict[int, BrokenException]:
    """The module's exception classes that cannot be rebuilt, by id of their ClassInfo."""
    cached: Optional[Dict[int, BrokenException]] = model.derived.get("exceptions.broken")
    if cached is not None:
        return cached
    found: Dict[int, BrokenException] = {}
    for klass in model.classes:
        broken = _broken(model, klass)
        if broken is not None:
            found[id(klass)] = broken
    model.derived["exceptions.broken"] = found
    return found


def worker_raises(model: ModuleModel) -> List[WorkerRaise]:
    """The first raise of each broken class in each task function (not inside a `try`)."""
    broken = broken_exceptions(model)
    if not broken:
        return []
    found: List[WorkerRaise] = []
    for function in workers(model).tasks:
        body = body_of(model, function.node)
        seen = set()
        for node in body.exits:
            if not isinstance(node, cst.Raise) or not isinstance(node.exc, cst.Call):
                continue
            klass = _class_named(model, node.exc.func, function)
            if klass is None or id(klass) not in broken or id(klass) in seen:
                continue
            if any(
                isinstance(block, cst.Try) and block.handlers and body.inside(node, block.body)
                for block in body.around(node, (cst.Try,))
            ):
                continue  # may be handled in the worker itself
            seen.add(id(klass))
            found.append(WorkerRaise(node, function, broken[id(klass)]))
    return found


def _class_named(model: ModuleModel, expr: cst.BaseExpression, function: FunctionInfo) -> Optional[ClassInfo]:
    if not isinstance(expr, cst.Name):
        return None
    binding = model.binding_of(expr.value, function.scope)
    if binding is None or binding.kind is not BindingKind.CLASS or not isinstance(binding.definition, ClassInfo):
        return None
    return binding.definition


def _chain(model: ModuleModel, klass: ClassInfo) -> Optional[List[ClassInfo]]:
    """`klass` and its module bases up to a plain builtin exception, or None."""
    chain: List[ClassInfo] = []
    current = klass
    for _ in range(_MAX_CHAIN):
        if current.node.decorators or len(current.node.bases) != 1 or current.node.keywords:
            return None
        chain.append(current)
        base = current.node.bases[0].value
        if not isinstance(base, cst.Name):
            return None
        binding = model.lookup(base.value, current.outer)
        if binding is None:
            return chain if base.value in _PLAIN_BUILTINS else None
        if len(binding) != 1 or binding[0].kind is not BindingKind.CLASS:
            return None
        definition = binding[0].definition
        if not isinstance(definition, ClassInfo):
            return None
        current = definition
    return None


def _broken(model: ModuleModel, klass: ClassInfo) -> Optional[BrokenException]:
    chain = _chain(model, klass)
    if chain is None or any(name in c.methods for c in chain for name in _REDUCERS):
        return None
    inits = [_init_of(c.methods["__init__"]) for c in chain if "__init__" in c.methods]
    if not inits:
        return None
    passed: Optional[int] = None
    for init in inits:  # each __init__ passes `forwarded` arguments up the chain
        if init is None or init.forwarded is None:
            return None  # no plain super call: `args` may be what the caller gave
        passed = init.forwarded
    first = inits[0]
    assert first is not None and passed is not None
    # The parent calls `klass(*args)`: the first __init__ gets `passed` positionals.
    fails = (
        passed < first.positional_required
        or (passed > first.positional and not first.star)
        or first.kwonly_required
    )
    if not fails:
        return None
    return BrokenException(klass, first.required, passed)


def _init_of(function: FunctionInfo) -> Optional[_Init]:
    params = function.node.params
    positional = list(params.posonly_params) + list(params.params)
    if not positional:
        return None  # no `self`: a staticmethod or something odd
    positional = positional[1:]
    required = [p.name.value for p in positional if p.default is None]
    kwonly = [p.name.value for p in params.kwonly_params if p.default is None]
    star = isinstance(params.star_arg, cst.Param)
    calls = [site.node for site in function.calls if _is_super_init(site.node.func, function)]
    forwarded: Optional[int] = None
    if len(calls) == 1:
        forwarded = _positional_count(calls[0], function)
    return _Init(tuple(required + kwonly), len(required), len(positional), star, bool(kwonly), forwarded)


def _is_super_init(func: cst.BaseExpression, function: FunctionInfo) -> bool:
    """`super().__init__` or `Base.__init__` (Base a name)."""
    if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
        return False
    owner = func.value
    if isinstance(owner, cst.Call):
        return isinstance(owner.func, cst.Name) and owner.func.value == "super"
    klass = function.klass
    return (
        isinstance(owner, cst.Name)
        and klass is not None
        and any(isinstance(base.value, cst.Name) and base.value.value == owner.value for base in klass.node.bases)
    )


def _positional_count(call: cst.Call, function: FunctionInfo) -> Optional[int]:
    """Plain positional arguments of the super call (self excluded), or None."""
    args: Sequence[cst.Arg] = call.args
    owner = call.func.value if isinstance(call.func, cst.Attribute) else None
    if not isinstance(owner, cst.Call):  # `Base.__init__(self, ...)`
        if not args or not (isinstance(args[0].value, cst.Name) and args[0].value.value == "self"):
            return None
        args = args[1:]
    if any(arg.star or arg.keyword is not None for arg in args):
        return None
    return len(args)
