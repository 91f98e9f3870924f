"""What a hand-off ships to a child: direct arguments, what a callable carries
(`partial` arguments, a bound method's instance), and the elements of
map-style iterables, each split by how often it is pickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Set

import libcst as cst

from mp_lint.model.apis import Kind
from mp_lint.model.module import Handoff, ModuleModel, Role, Scope, call_argument
from mp_lint.model.scopes import keyword_argument
from mp_lint.model.values import MAX_DEPTH, ElementPart, Part, ValueQuestions, is_builtin
from mp_lint.model.walk import child_nodes


@dataclass
class Payload:
    """What one hand-off pickles, besides the callable's name."""

    handoff: Handoff
    #: pickled as they are, once per API call: apply/submit arguments,
    #: `Process(args=, kwargs=)`, `initargs=`.
    direct: List[Part] = field(default_factory=list)
    #: pickled with the callable: `functools.partial` arguments and the
    #: instance behind a bound method.
    bound: List[Part] = field(default_factory=list)
    #: map-style iterables: their elements are pickled, they are not.
    iterables: List[Part] = field(default_factory=list)
    #: the chunksize argument of a map-style call, if one is given.
    chunksize: Optional[cst.BaseExpression] = None

    def pickled_parts(self, analysis: "PayloadQuestions") -> Iterator[Part]:
        """Every expression whose value is pickled (elements of iterables included)."""
        yield from self.direct
        yield from self.bound
        for iterable in self.iterables:
            for element in analysis.element_parts(iterable):
                yield element.part


_PLAIN_PROCESS_NAMES = frozenset({"Process", "SpawnProcess", "ForkProcess", "ForkServerProcess", "BaseProcess"})


class PayloadQuestions(ValueQuestions):
    """What each hand-off ships, for one model (cached)."""

    def __init__(self, model: ModuleModel) -> None:
        super().__init__(model)
        self._payloads: Dict[int, Payload] = {}

    def payload(self, handoff: Handoff) -> Payload:
        """What `handoff` ships, split by how it is pickled."""
        key = id(handoff)
        found = self._payloads.get(key)
        if found is None:
            found = self._payloads[key] = self._payload(handoff)
        return found

    def _payload(self, handoff: Handoff) -> Payload:
        call = handoff.site.node
        scope = handoff.site.scope
        payload = Payload(handoff)
        callable_expr = handoff.callable_expr
        if handoff.via is not None:  # through a wrapper's parameter: only what the callable carries
            payload.bound += self._bound_parts(callable_expr, scope)
            return payload
        if handoff.role is Role.TASK:
            if handoff.api.kind is Kind.POOL:
                callable_expr = call_argument(call, 0, "func")
                if handoff.method in ("apply", "apply_async"):
                    payload.direct += self._sequence(call_argument(call, 1, "args"), scope)
                    payload.direct += self._dict_values(call_argument(call, 2, "kwds"), scope)
                else:
                    iterable = call_argument(call, 1, "iterable")
                    if iterable is not None:
                        payload.iterables.append(Part(iterable, scope))
                    payload.chunksize = call_argument(call, 2, "chunksize")
            else:  # executor: submit(fn, /, *args, **kwargs) / map(fn, *iterables, chunksize=)
                callable_expr = call_argument(call, 0, "fn")
                extra = self._extra_arguments(call, scope)
                if handoff.method == "submit":
                    payload.direct += extra
                    payload.direct += [
                        Part(arg.value, scope)
                        for arg in call.args
                        if arg.keyword is not None and arg.keyword.value != "fn"
                    ]
                else:
                    payload.iterables += extra
                    payload.chunksize = keyword_argument(call, "chunksize")
        elif handoff.role is Role.TARGET:
            plain = handoff.api.name in _PLAIN_PROCESS_NAMES and not self._is_module_class(call.func, scope)
            args = keyword_argument(call, "args") if not plain else call_argument(call, 3, "args")
            kwargs = keyword_argument(call, "kwargs") if not plain else call_argument(call, 4, "kwargs")
            payload.direct += self._sequence(args, scope) + self._dict_values(kwargs, scope)
        else:
            index = 2 if handoff.method == "Pool" else 3
            payload.direct += self._sequence(call_argument(call, index, "initargs"), scope)
        payload.bound += self._bound_parts(callable_expr, scope)
        return payload

    def _extra_arguments(self, call: cst.Call, scope: Scope) -> List[Part]:
        """Positional arguments after the callable, `*(a, b)` unpacked."""
        parts: List[Part] = []
        position = 0
        for arg in call.args:
            if arg.keyword is not None or arg.star == "**":
                continue
            if arg.star == "*":
                parts += self._sequence(arg.value, scope)
                continue
            if position > 0:
                parts.append(Part(arg.value, scope))
            position += 1
        return parts

    def _sequence(self, expr: Optional[cst.BaseExpression], scope: Scope, depth: int = 0) -> List[Part]:
        """The members of a tuple/list literal (or of a name bound once to one)."""
        if isinstance(expr, (cst.Tuple, cst.List)):
            return [Part(element.value, scope) for element in expr.elements if isinstance(element, cst.Element)]
        if isinstance(expr, cst.Name) and depth < MAX_DEPTH:
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self._sequence(binding.expr, binding.scope, depth + 1)
        return []

    def _dict_values(self, expr: Optional[cst.BaseExpression], scope: Scope) -> List[Part]:
        if isinstance(expr, cst.Dict):
            return [Part(element.value, scope) for element in expr.elements if isinstance(element, cst.DictElement)]
        if isinstance(expr, cst.Call) and is_builtin(self.model, expr.func, scope, "dict"):
            return [Part(arg.value, scope) for arg in expr.args if arg.keyword is not None]
        return []

    def _bound_parts(self, expr: Optional[cst.BaseExpression], scope: Scope) -> List[Part]:
        """What a callable carries: `partial(f, a, b=c)` -> a, c; `obj.method` -> obj."""
        parts: List[Part] = []
        for _ in range(MAX_DEPTH):
            if isinstance(expr, cst.Call) and self.model.value_of(expr.func, scope).kind is Kind.PARTIAL:
                for index, arg in enumerate(expr.args):
                    if arg.star:
                        continue
                    if arg.keyword is not None:
                        if arg.keyword.value != "func":
                            parts.append(Part(arg.value, scope))
                    elif index > 0:
                        parts.append(Part(arg.value, scope))
                expr = call_argument(expr, 0, "func")
                continue
            if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
                # A bound method pickles its instance (modules and classes are
                # pickled by name, and the classifiers do not match them).
                parts.append(Part(expr.value, scope))
                break
            if isinstance(expr, cst.Name):
                binding = self.single_assignment(expr, scope)
                if binding is None or not isinstance(binding.expr, cst.Call):
                    break
                expr, scope = binding.expr, binding.scope
                continue
            break
        return parts

    def element_parts(self, iterable: Part, depth: int = 0) -> List[ElementPart]:
        """Expressions pickled inside the elements of a map-style iterable.

        Handles comprehensions and generator expressions, literals,
        `zip(...)`, `itertools.repeat(x)`, `[x] * n`, and a name bound once
        to one of these. Anything else yields nothing (cannot tell).
        """
        expr, scope = iterable.expr, iterable.scope
        if depth > MAX_DEPTH:
            return []
        if isinstance(expr, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            targets = _comprehension_targets(expr.for_in)
            return [
                ElementPart(member, isinstance(member.expr, cst.Name) and member.expr.value not in targets)
                for member in _members(Part(expr.elt, scope))
            ]
        if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
            found: List[ElementPart] = []
            for element in expr.elements:
                if isinstance(element, cst.Element):
                    found += [ElementPart(member, False) for member in _members(Part(element.value, scope))]
            return found
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Multiply):
            for side in (expr.left, expr.right):
                if isinstance(side, (cst.List, cst.Tuple)):
                    # `[x] * n`: the very same object n times.
                    return [ElementPart(e.part, True) for e in self.element_parts(Part(side, scope), depth + 1)]
            return []
        if isinstance(expr, cst.Call):
            if is_builtin(self.model, expr.func, scope, "zip"):
                found = []
                for arg in expr.args:
                    if not arg.star and arg.keyword is None:
                        found += self.element_parts(Part(arg.value, scope), depth + 1)
                return found
            if self.qualname_of(expr.func, scope) == "itertools.repeat":
                obj = call_argument(expr, 0, "object")
                return [ElementPart(member, True) for member in _members(Part(obj, scope))] if obj is not None else []
            return []
        if isinstance(expr, cst.Name):
            binding = self.single_assignment(expr, scope)
            if binding is not None and binding.expr is not None:
                return self.element_parts(Part(binding.expr, binding.scope), depth + 1)
        return []


def _members(part: Part) -> List[Part]:
    """A tuple/list's members (one level down for nested tuples), else the part."""
    expr = part.expr
    if isinstance(expr, (cst.Tuple, cst.List)):
        found: List[Part] = []
        for element in expr.elements:
            if not isinstance(element, cst.Element):
                continue
            if isinstance(element.value, (cst.Tuple, cst.List)):
                found += [Part(e.value, part.scope) for e in element.value.elements if isinstance(e, cst.Element)]
            else:
                found.append(Part(element.value, part.scope))
        return found
    return [part]


def _comprehension_targets(comp: Optional[cst.CompFor]) -> Set[str]:
    names: Set[str] = set()
    while comp is not None:
        stack: List[cst.CSTNode] = [comp.target]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Name):
                names.add(node.value)
            else:
                stack.extend(child_nodes(node))
        comp = comp.inner_for_in
    return names
