"""Every normal path through a function body, for one tracked object.

An abstract interpretation of the function's statements with a two-valued
state (open / not open): events at statements open, close, rebind or
`with`-close the object; `return`, `break`, `continue` and `finally` are
followed, exception paths are not.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from mp_lint.model.body import always_true

#: Events at a statement. The opening statement: the object is open after it.
OPEN = 100
#: A `close()` (or a closing call), a rebinding of the name, its `with` statement.
CLOSE, REBIND, WITH = 1, 2, 3


def _merge(*states: Optional[bool]) -> Optional[bool]:
    """Join of path states: None (no path) < False (closed) < True (open)."""
    result: Optional[bool] = None
    for state in states:
        if state is True:
            return True
        if state is False:
            result = False
    return result


def _suite_body(suite: Optional[cst.CSTNode]) -> Sequence[cst.CSTNode]:
    if suite is None:
        return ()
    inner = getattr(suite, "body", None)
    if isinstance(inner, cst.BaseSuite):
        inner = inner.body
    return inner if isinstance(inner, (list, tuple)) else ()


_LOOP, _FINALLY, _WITH_CLOSE = range(3)

#: Statement evaluations allowed per function, over all the objects it
#: tracks: a walk costs one evaluation per statement, so this bounds the
#: (objects x statements) product of generated, enormous functions.
WALK_BUDGET = 500_000


class OverBudget(Exception):
    """The function is too large to follow every object through it."""


class PathWalk:
    """Follows every normal path of a function body for one tracked object.

    State per path: True while the object is open. Each statement is
    evaluated at most once per input state (memoized), so the cost stays
    linear in the size of the body, loops and `finally` blocks included.
    """

    def __init__(
        self, events: Dict[int, int], name: str, budget: List[int], relevant: Set[int], exits: Set[int]
    ) -> None:
        self.events = events
        self._budget = budget
        #: statements holding an event, and statements holding an exit.
        self._relevant = relevant
        self._exits = exits
        #: the tracked variable: `if f is not None:` narrows it.
        self.name = name
        self.leaked = False
        self._stack: List[Tuple[int, cst.CSTNode]] = []
        self._loop_exits: Dict[int, Set[Tuple[str, bool]]] = {}
        self._memo: Dict[Tuple[int, bool], Optional[bool]] = {}

    def leaks(self, body: cst.BaseSuite) -> bool:
        """True when some normal path leaves the function with the object open."""
        end = self._block(_suite_body(body), False)
        return self.leaked or end is True

    def _apply(self, node: cst.CSTNode, state: bool) -> bool:
        event = self.events.get(id(node))
        if event == OPEN:
            return True
        if event in (CLOSE, REBIND):
            return False
        return state

    def _block(self, statements: Sequence[cst.CSTNode], state: Optional[bool]) -> Optional[bool]:
        relevant = self._relevant
        exits = self._exits
        self._budget[0] -= len(statements)
        if self._budget[0] < 0:
            raise OverBudget
        for statement in statements:
            if state is None:
                return None
            key = id(statement)
            if key in relevant or key in exits:
                state = self._statement(statement, state)
        return state

    def _statement(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        key = (id(node), state)
        if key in self._memo:
            return self._memo[key]
        result = self._evaluate(node, state)
        self._memo[key] = result
        return result

    def _exit(self, kind: str, state: bool) -> None:
        """A return, break or continue: run the `finally` blocks it crosses."""
        index = len(self._stack) - 1
        while index >= 0:
            frame, node = self._stack[index]
            if frame == _LOOP and kind != "return":
                self._loop_exits.setdefault(id(node), set()).add((kind, state))
                return
            if frame == _WITH_CLOSE:
                state = False
            elif frame == _FINALLY and isinstance(node, (cst.Try, cst.TryStar)) and node.finalbody is not None:
                saved = self._stack
                self._stack = saved[:index]
                try:
                    after = self._block(_suite_body(node.finalbody.body), state)
                finally:
                    self._stack = saved
                if after is None:
                    return
                state = after
            index -= 1
        if kind == "return" and state:
            self.leaked = True

    def _evaluate(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        if isinstance(node, cst.SimpleStatementLine):
            current: Optional[bool] = state
            for small in node.body:
                if current is None:
                    return None
                current = self._small(small, current)
            return current
        if isinstance(node, cst.BaseSmallStatement):
            return self._small(node, state)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return state
        if isinstance(node, cst.If):
            return self._if(node, state)
        if isinstance(node, (cst.For, cst.While)):
            return self._loop(node, state)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self._try(node, state)
        if isinstance(node, cst.With):
            return self._with(node, state)
        if isinstance(node, cst.Match):
            state = self._apply(node, state)
            outs = [self._block(_suite_body(case.body), state) for case in node.cases]
            last = node.cases[-1].pattern if node.cases else None
            exhaustive = isinstance(last, cst.MatchAs) and last.pattern is None and node.cases[-1].guard is None
            return _merge(*outs) if exhaustive else _merge(state, *outs)
        return self._apply(node, state)

    def _small(self, node: cst.BaseSmallStatement, state: bool) -> Optional[bool]:
        state = self._apply(node, state)
        if isinstance(node, cst.Return):
            self._exit("return", state)
            return None
        if isinstance(node, cst.Raise):
            return None  # exception paths are not followed
        if isinstance(node, cst.Break):
            self._exit("break", state)
            return None
        if isinstance(node, cst.Continue):
            self._exit("continue", state)
            return None
        return state

    def _if(self, node: cst.If, state: bool) -> Optional[bool]:
        state = self._apply(node, state)
        # A resource is never None nor falsy: the branch where the tracked
        # name is holds no open object (`if f is not None: f.close()`).
        none_branch = _none_branch(node.test, self.name) if self.name else None
        then = self._block(_suite_body(node.body), False if none_branch is True else state)
        else_state = False if none_branch is False else state
        orelse = node.orelse
        if orelse is None:
            other: Optional[bool] = else_state
        elif isinstance(orelse, cst.If):
            other = self._statement(orelse, else_state)
        else:
            other = self._block(_suite_body(orelse.body), else_state)
        return _merge(then, other)

    def _loop(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        assert isinstance(node, (cst.For, cst.While))
        state = self._apply(node, state)
        self._stack.append((_LOOP, node))
        head = state
        try:
            for _ in range(4):  # the state only grows: two rounds reach the fixpoint
                out = self._block(_suite_body(node.body), head)
                continues = [s for kind, s in self._loop_exits.get(id(node), ()) if kind == "continue"]
                new_head = _merge(state, out, *continues)
                if new_head is None or new_head == head:
                    break
                head = new_head
        finally:
            self._stack.pop()
        infinite = isinstance(node, cst.While) and always_true(node.test)
        normal: Optional[bool] = None if infinite else head
        if node.orelse is not None and normal is not None:
            normal = self._block(_suite_body(node.orelse.body), normal)
        breaks = [s for kind, s in self._loop_exits.get(id(node), ()) if kind == "break"]
        return _merge(normal, *breaks)

    def _try(self, node: cst.CSTNode, state: bool) -> Optional[bool]:
        assert isinstance(node, (cst.Try, cst.TryStar))
        has_finally = node.finalbody is not None
        if has_finally:
            self._stack.append((_FINALLY, node))
        try:
            body = self._block(_suite_body(node.body), state)
            # A handler starts where the exception was raised; only the
            # state at entry is assumed (exception paths are not followed).
            outs = [self._block(_suite_body(handler.body), state) for handler in node.handlers]
            if node.orelse is not None and body is not None:
                body = self._block(_suite_body(node.orelse.body), body)
            outs.append(body)
        finally:
            if has_finally:
                self._stack.pop()
        merged = _merge(*outs)
        if node.finalbody is not None:
            if merged is None:
                return None
            return self._block(_suite_body(node.finalbody.body), merged)
        return merged

    def _with(self, node: cst.With, state: bool) -> Optional[bool]:
        event = self.events.get(id(node))
        if event == WITH:
            self._stack.append((_WITH_CLOSE, node))
            try:
                out = self._block(_suite_body(node.body), state)
            finally:
                self._stack.pop()
            return None if out is None else False
        return self._block(_suite_body(node.body), self._apply(node, state))


def _none_branch(test: cst.BaseExpression, name: str) -> Optional[bool]:
    """True when `test` holds only if `name` is None/falsy, False when only if it is not."""
    negated = False
    while isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        negated = not negated
        test = test.expression
    result: Optional[bool] = None
    if isinstance(test, cst.Name) and test.value == name:
        result = False  # `if f:`
    elif isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        left, target = test.left, test.comparisons[0]
        right = target.comparator
        if isinstance(left, cst.Name) and left.value == name and isinstance(right, cst.Name) and right.value == "None":
            if isinstance(target.operator, (cst.Is, cst.Equal)):
                result = True
            elif isinstance(target.operator, (cst.IsNot, cst.NotEqual)):
                result = False
    if result is None:
        return None
    return not result if negated else result
