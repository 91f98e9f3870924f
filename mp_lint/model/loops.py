"""Whether an argument is the same object at every iteration of the loop around a call.

MPL601's loop case: `for x in items: pool.apply_async(f, (data, x))` ships
`data` again with every task when `data` does not change in the loop.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from mp_lint.model.module import CallSite, ModuleModel
from mp_lint.model.sizes import SizeQuestions
from mp_lint.model.values import is_builtin
from mp_lint.model.walk import child_nodes

#: Below this many tasks, re-sending an object costs about what `initializer=` would.
MIN_REPEATS = 100


class LoopQuestions(SizeQuestions):
    """Loops around hand-offs, for one model."""

    def __init__(self, model: ModuleModel) -> None:
        super().__init__(model)
        self._loop_chains: Dict[int, Dict[int, Tuple[cst.CSTNode, ...]]] = {}

    def repeated_in_loop(self, site: CallSite, name: cst.Name) -> bool:
        """True when `name` keeps its value over plausibly many runs of `site`.

        `site` must sit in a `for` loop (or comprehension) that does not
        contain the single assignment of `name`, and that loop must run
        MIN_REPEATS times or more, or iterate over a collection of unknown
        length. A `range(n)` with `n` not visible and a `while` loop do not
        count: they often run once per worker, which costs no more than
        sending the object through `initializer=`.
        """
        if not site.in_loop or site.scope.kind == "lambda":
            return False
        binding = self.single_assignment(name, site.scope)
        if binding is None or binding.expr is None:
            return False
        owner: cst.CSTNode
        if site.function is not None:
            owner = site.function.node
        elif site.scope is self.model.module_scope:
            owner = self.model.module
        else:
            return False
        chains = self._chains(owner)
        around_call = chains.get(id(site.node))
        if not around_call:
            return False
        around_binding = chains.get(id(binding.expr), ()) if binding.scope is site.scope else ()
        repeating = [loop for loop in around_call if loop not in around_binding]
        if not repeating:
            return False
        total = 1
        many = False
        for loop in repeating:
            iterables = self._loop_iterables(loop)
            if iterables is None:
                return False  # a while loop: how often it runs is not visible
            for iterable in iterables:
                count = self.size(iterable, site.scope, exact=False)
                if count is not None:
                    total *= count
                elif isinstance(iterable, cst.Call) and is_builtin(self.model, iterable.func, site.scope, "range"):
                    return False  # `range(n_workers)`: perhaps once per worker
                else:
                    many = True  # a collection of work items
        return many or total >= MIN_REPEATS

    @staticmethod
    def _loop_iterables(loop: cst.CSTNode) -> Optional[List[cst.BaseExpression]]:
        if isinstance(loop, cst.For):
            return [loop.iter]
        if isinstance(loop, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            found: List[cst.BaseExpression] = []
            comp: Optional[cst.CompFor] = loop.for_in
            while comp is not None:
                found.append(comp.iter)
                comp = comp.inner_for_in
            return found
        return None

    def _chains(self, owner: cst.CSTNode) -> Dict[int, Tuple[cst.CSTNode, ...]]:
        """For each node in `owner`'s own body: the loops around it (outermost first)."""
        key = id(owner)
        found = self._loop_chains.get(key)
        if found is not None:
            return found
        chains: Dict[int, Tuple[cst.CSTNode, ...]] = {}
        start: List[cst.CSTNode] = []
        if isinstance(owner, cst.FunctionDef):
            start.append(owner.body)
        elif isinstance(owner, cst.Module):
            start.extend(owner.body)
        stack: List[Tuple[cst.CSTNode, Tuple[cst.CSTNode, ...]]] = [(node, ()) for node in start]
        while stack:
            node, chain = stack.pop()
            chains[id(node)] = chain
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue  # another scope: its calls are not this body's
            if isinstance(node, cst.For):
                inner = chain + (node,)
                stack.append((node.iter, chain))
                stack.append((node.body, inner))
                if node.orelse is not None:
                    stack.append((node.orelse, chain))
                continue
            if isinstance(node, cst.While):
                inner = chain + (node,)
                stack.append((node.test, inner))
                stack.append((node.body, inner))
                if node.orelse is not None:
                    stack.append((node.orelse, chain))
                continue
            if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
                # The first iterable is evaluated once, outside the comprehension.
                inner = chain + (node,)
                stack.append((node.for_in.iter, chain))
                for child in child_nodes(node):
                    if child is not node.for_in:
                        stack.append((child, inner))
                for child in child_nodes(node.for_in):
                    if child is not node.for_in.iter:
                        stack.append((child, inner))
                continue
            for child in child_nodes(node):
                stack.append((child, chain))
        self._loop_chains[key] = chains
        return chains
