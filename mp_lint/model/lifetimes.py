"""What becomes of the object a call returns, within the function that makes it.

Closed on every normal path (`with`, `close()` reached on every way out,
`finally`), leaked, stored in a module-level global, or handed somewhere the
analysis cannot follow. Exception paths are not followed: a worker that
raises loses its frame and, in CPython, the objects it held. Anything the
analysis cannot follow (the object aliased, passed to an unknown call,
captured by a nested function) makes it give up, which the rules turn into
silence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.body import NameUse, body_of
from mp_lint.model.module import FunctionInfo, ModuleModel
from mp_lint.model.openers import CONSUMERS, OWNERS, RELEASERS, STORE_METHODS, qualified_name
from mp_lint.model.paths import CLOSE, OPEN, REBIND, WALK_BUDGET, WITH, OverBudget, PathWalk

__all__ = ["Fate", "Lifetime", "LifetimeAnalysis", "StoreKind", "Tracked", "analysis_of", "lifetime"]

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


class Fate(enum.Enum):
    """What becomes of an object a call returns, within its function."""

    CLOSED = "closed"  # with, close() on every normal path, closing()...
    LEAKED = "leaked"  # some normal path ends the function with it open
    STORED_GLOBAL = "stored in a global"  # kept in a module-level name or container
    UNKNOWN = "unknown"  # escapes where the analysis cannot follow


class StoreKind(enum.Enum):
    """How an object reaches module level."""

    NAME = "name"  # `global g` then `g = obj`
    CONTAINER = "container"  # `CACHE[k] = obj`, `HANDLES.append(obj)`


@dataclass(frozen=True)
class Tracked:
    """What a lifetime analysis needs to know about the tracked object's type."""

    #: methods that end its life (`close`, `shutdown`...).
    closers: FrozenSet[str]
    #: functions that end its life when given it (`os.close`).
    close_functions: FrozenSet[str] = frozenset()
    #: `fd, path = mkstemp()`: track element 0 of a tuple unpacking.
    tuple_element: bool = False


@dataclass(frozen=True)
class Lifetime:
    """The fate of one object, and for STORED_GLOBAL where it went."""

    fate: Fate
    store: Optional[StoreKind] = None
    #: the global name or the module-level container the object went to.
    store_name: str = ""


_UNKNOWN = Lifetime(Fate.UNKNOWN)
_CLOSED = Lifetime(Fate.CLOSED)
_LEAKED = Lifetime(Fate.LEAKED)

# Outcomes of classifying one occurrence of the tracked name.
_NEUTRAL, _ESCAPE, _STORE = 0, 4, 5  # besides CLOSE, REBIND and WITH


class LifetimeAnalysis:
    """The lifetime questions of one function."""

    def __init__(self, model: ModuleModel, info: FunctionInfo) -> None:
        self.model = model
        self.info = info
        self.scope = info.scope
        self.body = body_of(model, info.node)
        self._exit_holders: Optional[Set[int]] = None
        #: boolean operations already known to sit (or not) in a test.
        self._tests: Dict[int, bool] = {}
        #: statement evaluations left for the path walks of this function.
        self.budget = [WALK_BUDGET]

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.body.parent.get(id(node))

    def holders(self, nodes: Iterable[cst.CSTNode], into: Set[int]) -> Set[int]:
        """Ids of `nodes` and of every node around them, added to `into`."""
        parents = self.body.parent
        for node in nodes:
            key = id(node)
            while key not in into:  # stops where an earlier climb passed: linear
                into.add(key)
                above = parents.get(key)
                if above is None:
                    break
                key = id(above)
        return into

    @property
    def exit_holders(self) -> Set[int]:
        """Statements that contain a return, raise, break or continue."""
        if self._exit_holders is None:
            self._exit_holders = self.holders(self.body.exits, set())
        return self._exit_holders

    # -------------------------------------------------------- the call
    def of_call(self, call: cst.Call, tracked: Tracked) -> Lifetime:
        """Where the object returned by `call` (made in this function) ends up."""
        if self._expected_to_raise(call):
            return _UNKNOWN
        parent = self.parent(call)
        if tracked.tuple_element:
            return self._of_tuple_call(call, parent, tracked)
        if isinstance(parent, cst.WithItem):
            return _CLOSED
        if isinstance(parent, cst.Attribute) and parent.value is call:
            above = self.parent(parent)
            if isinstance(above, cst.Call) and above.func is parent:
                if parent.attr.value in tracked.closers:
                    return _CLOSED
                if parent.attr.value in RELEASERS:
                    return _UNKNOWN  # `socket().detach()`: the descriptor lives on
            return _LEAKED  # `open(p).read()`: nothing can close it afterwards
        if isinstance(parent, cst.Arg) and parent.value is call:
            return self._as_argument(parent, tracked)
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is call:
            return _LEAKED  # `for line in open(p):`
        if isinstance(parent, cst.Expr):
            return _LEAKED  # opened and dropped
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is call:
            return self._assigned(parent, call, tracked)
        return _UNKNOWN

    def _of_tuple_call(self, call: cst.Call, parent: Optional[cst.CSTNode], tracked: Tracked) -> Lifetime:
        if isinstance(parent, cst.Expr):
            return _LEAKED
        if isinstance(parent, cst.Subscript) and parent.value is call and len(parent.slice) == 1:
            index = parent.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "1":
                return _LEAKED  # `mkstemp()[1]`: only the path is kept, the descriptor is lost
        if isinstance(parent, cst.Assign) and parent.value is call and len(parent.targets) == 1:
            target = parent.targets[0].target
            if isinstance(target, (cst.Tuple, cst.List)) and target.elements:
                first = target.elements[0]
                if isinstance(first, cst.Element) and isinstance(first.value, cst.Name):
                    return self._named(first.value.value, parent, tracked)
        return _UNKNOWN

    def _expected_to_raise(self, call: cst.Call) -> bool:
        """Inside `with self.assertRaises(...)` / `pytest.raises(...)`: never opened."""
        node: Optional[cst.CSTNode] = self.parent(call)
        while node is not None and not isinstance(node, _NESTED_SCOPES):
            if isinstance(node, cst.With):
                for item in node.items:
                    func = item.item.func if isinstance(item.item, cst.Call) else None
                    name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
                    if isinstance(name, str) and (name.startswith("assertRaises") or name == "raises"):
                        return True
            node = self.parent(node)
        return False

    def _assigned(self, assign: cst.CSTNode, value: cst.CSTNode, tracked: Tracked) -> Lifetime:
        target = _single_target(assign)
        if target is None:
            return _UNKNOWN
        store = self._store_of(target)
        if store is not None:
            return store
        if isinstance(target, cst.Name) and target.value not in self.body.nonlocals:
            return self._named(target.value, assign, tracked)
        return _UNKNOWN

    def _store_of(self, target: cst.BaseExpression) -> Optional[Lifetime]:
        """A store at module level: `g` declared global, `CACHE[k]`, `state.log`."""
        if isinstance(target, cst.Name):
            if target.value in self.scope.global_names:
                return Lifetime(Fate.STORED_GLOBAL, StoreKind.NAME, target.value)
            return None
        node = target
        subscripted = False
        while isinstance(node, (cst.Subscript, cst.Attribute)):
            subscripted = subscripted or isinstance(node, cst.Subscript)
            node = node.value
        if not isinstance(node, cst.Name) or not self._is_module_level(node.value):
            return None
        # `state.log = f` replaces one object; `CACHE[k] = f` adds one per key.
        return Lifetime(Fate.STORED_GLOBAL, StoreKind.CONTAINER if subscripted else StoreKind.NAME, node.value)

    def _is_module_level(self, name: str) -> bool:
        if name in self.body.nonlocals:
            return False
        found = self.model.lookup(name, self.scope)
        return found is not None and found is self.model.module_scope.bindings.get(name)

    def _as_argument(self, arg: cst.Arg, tracked: Tracked) -> Lifetime:
        """The tracked object given to a call."""
        call = self.parent(arg)
        if arg.star or not isinstance(call, cst.Call):
            return _UNKNOWN
        func = call.func
        dotted = qualified_name(self.model, func, self.scope) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if dotted in tracked.close_functions:
            return _CLOSED
        if dotted in CONSUMERS:
            return _LEAKED  # read or written, never closed by the callee
        if dotted in OWNERS:
            return _CLOSED
        if isinstance(func, cst.Attribute) and func.attr.value in STORE_METHODS:
            base = func.value
            while isinstance(base, (cst.Subscript, cst.Attribute)):
                base = base.value
            if isinstance(base, cst.Name) and self._is_module_level(base.value):
                return Lifetime(Fate.STORED_GLOBAL, StoreKind.CONTAINER, base.value)
        return _UNKNOWN

    # --------------------------------------------------- a named object
    def _named(self, name: str, opening: cst.CSTNode, tracked: Tracked) -> Lifetime:
        """The fate of the object `opening` (a small statement) binds to `name`."""
        # Later occurrences first: within one statement, the last one that
        # acts on the object decides, unless an earlier one is its `with`.
        uses = reversed(self.body.uses(name))
        events: Dict[int, int] = {}
        event_nodes: List[cst.CSTNode] = [opening]
        store: Optional[Lifetime] = None
        escapes = False
        for use in uses:
            outcome, where = self._classify(use, tracked)
            if outcome == _NEUTRAL:
                continue
            if outcome == _ESCAPE:
                escapes = True
                continue
            if outcome == _STORE:
                store = where
                continue
            previous = events.get(id(use.statement))
            if previous is None or outcome == WITH:
                events[id(use.statement)] = outcome
                event_nodes.append(use.statement)
        if store is not None:
            return store  # kept at module level: it outlives the function whatever else happens
        if escapes:
            return _UNKNOWN
        events[id(opening)] = OPEN
        try:
            # Only statements that hold an event or an exit can change a path.
            relevant = self.holders(event_nodes, set())
            walk = PathWalk(events, name, self.budget, relevant, self.exit_holders)
            leaked = walk.leaks(self.info.node.body)
        except (RecursionError, OverBudget):
            return _UNKNOWN  # absurdly nested or huge: stay silent
        return _LEAKED if leaked else _CLOSED

    def _classify(self, use: NameUse, tracked: Tracked) -> Tuple[int, Optional[Lifetime]]:
        """What one occurrence of the tracked name does to the object."""
        node = use.node
        parent = self.parent(node)
        if parent is None:
            return _ESCAPE, None
        # Names that are not a reference to the variable at all.
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return _NEUTRAL, None
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return _NEUTRAL, None
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node:
            return _NEUTRAL, None
        if use.nested:
            return _ESCAPE, None  # captured by a nested function or lambda
        if isinstance(parent, cst.Attribute):
            above = self.parent(parent)
            if isinstance(above, cst.Call) and above.func is parent:
                if parent.attr.value in RELEASERS:
                    return _ESCAPE, None  # `s.detach()`: the descriptor lives on elsewhere
                return (CLOSE if parent.attr.value in tracked.closers else _NEUTRAL), None
            if parent.attr.value in tracked.closers or parent.attr.value in RELEASERS:
                return _ESCAPE, None  # `Finalize(None, f.close)`: someone else closes it
            return _NEUTRAL, None
        if isinstance(parent, cst.Arg):
            outcome = self._as_argument(parent, tracked)
            if outcome.fate is Fate.CLOSED:
                return CLOSE, None
            if outcome.fate is Fate.LEAKED:
                return _NEUTRAL, None  # a consumer reads or writes it
            if outcome.fate is Fate.STORED_GLOBAL:
                return _STORE, outcome
            return _ESCAPE, None
        if isinstance(parent, cst.WithItem) and parent.item is node:
            return WITH, None
        if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
            return _NEUTRAL, None
        if isinstance(parent, (cst.Subscript, cst.FormattedStringExpression, cst.Call)):
            # `t[0]`, f"{f}", `f()`: a use, not a hand-over (Call: as the callee).
            return _NEUTRAL, None
        if self._is_target(node, parent):
            return REBIND, None
        if isinstance(parent, cst.Del):
            return REBIND, None
        if self._is_test(node, parent):
            return _NEUTRAL, None
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
            target = _single_target(parent)
            stored = self._store_of(target) if target is not None else None
            return (_STORE, stored) if stored is not None else (_ESCAPE, None)
        return _ESCAPE, None

    def _is_target(self, node: cst.CSTNode, parent: cst.CSTNode) -> bool:
        """Whether the name is being bound (`f = ...`, `for f in`, `as f`...)."""
        child: cst.CSTNode = node
        while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            child, above = parent, self.parent(parent)
            if above is None:
                return False
            parent = above
        if isinstance(parent, cst.AssignTarget):
            return parent.target is child
        if isinstance(parent, (cst.AnnAssign, cst.AugAssign)):
            return parent.target is child
        if isinstance(parent, (cst.For, cst.CompFor)):
            return parent.target is child
        if isinstance(parent, cst.AsName):
            return parent.name is child
        if isinstance(parent, cst.NamedExpr):
            return parent.target is child
        return False

    def _is_test(self, node: cst.CSTNode, parent: cst.CSTNode) -> bool:
        """`if f:`, `f is None`, `not f`, `assert f`: looks, does not hand over."""
        child: cst.CSTNode = node
        chain: List[int] = []  # `a or b or f`: the boolean operations climbed
        result = False
        while True:
            if isinstance(parent, cst.BooleanOperation):
                known = self._tests.get(id(parent))
                if known is not None:
                    result = known
                    break
                chain.append(id(parent))
                above = self.parent(parent)
                if above is None:
                    break
                child, parent = parent, above
                continue
            result = (
                isinstance(parent, (cst.Comparison, cst.ComparisonTarget))
                or (isinstance(parent, (cst.If, cst.While, cst.IfExp, cst.Assert)) and parent.test is child)
                or (isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not))
            )
            break
        for key in chain:  # long chains are climbed once
            self._tests[key] = result
        return result


def _single_target(assign: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """The one target of `x = value` / `x: T = value` (None for `a = b = value`)."""
    if isinstance(assign, cst.Assign):
        return assign.targets[0].target if len(assign.targets) == 1 else None
    if isinstance(assign, cst.AnnAssign):
        return assign.target
    return None


def analysis_of(model: ModuleModel, info: FunctionInfo) -> LifetimeAnalysis:
    """One analysis per function, so its walks share one budget."""
    per_model: Dict[int, LifetimeAnalysis] = model.derived.setdefault("resources.lifetimes", {})
    analysis = per_model.get(id(info))
    if analysis is None:
        analysis = per_model[id(info)] = LifetimeAnalysis(model, info)
    return analysis


def lifetime(model: ModuleModel, info: FunctionInfo, call: cst.Call, tracked: Tracked) -> Lifetime:
    """The fate of the object `call` returns, `call` being made directly in `info`."""
    return analysis_of(model, info).of_call(call, tracked)
