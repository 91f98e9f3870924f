"""What a name or an expression is: bindings looked up, values resolved lazily.

Resolution is deliberately flow-insensitive and conservative: a name bound
in more than one way in its scope resolves to UNKNOWN, and UNKNOWN never
produces a finding. `ModuleModel` (`mp_lint.model.module`) adds what the
module does with process APIs on top of this.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import (
    DATALOADER_CONTEXT,
    DATALOADER_WORKERS,
    PROXY_NAMES,
    START_METHODS,
    UNKNOWN,
    Catalogue,
    Kind,
    Value,
)
from mp_lint.model.scopes import (
    ApiCall,
    Binding,
    BindingKind,
    CallSite,
    ClassInfo,
    FunctionInfo,
    Handoff,
    IterationSite,
    ProcessStart,
    Scope,
    call_argument,
    string_literal,
)

#: Objects whose `__enter__` returns the object itself.
_ENTER_RETURNS_SELF = frozenset({Kind.POOL, Kind.EXECUTOR, Kind.MANAGER, Kind.THREAD_POOL})
#: A lazily computed attribute not computed yet.
UNSET = object()


class Resolution:
    """The bindings and values of one module's names and expressions."""

    def __init__(
        self, module: cst.Module, catalogue: Catalogue, default_start_method: str, interactive: bool = False
    ) -> None:
        self.module = module
        #: the code of a notebook or other file-less `__main__`: no child re-imports it.
        self.interactive = interactive
        self.catalogue = catalogue
        self.module_scope = Scope("module", None)
        self.functions: List[FunctionInfo] = []
        self.classes: List[ClassInfo] = []
        self.calls: List[CallSite] = []
        #: `for` / comprehension iterables and arguments of `iter()`-like builtins.
        self.iterations: List[IterationSite] = []
        #: `name.daemon = value` statements: (scope, name, value).
        self.daemon_assignments: List[Tuple[Scope, str, Optional[cst.BaseExpression]]] = []
        self._values: Dict[int, Value] = {}
        self._binding_lists: Dict[int, Value] = {}
        self._resolving: Set[int] = set()
        self._api_calls: Optional[List[ApiCall]] = None
        self._handoffs: Optional[List[Handoff]] = None
        self._starts: Optional[List[ProcessStart]] = None
        self._option_start_method = default_start_method
        self._file_start_method: object = UNSET
        #: ids of the calls that are `with` items (their `__enter__` runs).
        self.with_items: Set[int] = set()
        #: analyses built on this model (arguments, resources, flow), cached
        #: here so that they live and die with it. (A module-level
        #: WeakKeyDictionary would not do: its values refer back to the
        #: model and kept every tree of a flake8 run alive.)
        self.derived: Dict[str, Any] = {}

    def lookup(self, name: str, scope: Scope) -> Optional[List[Binding]]:
        """The bindings a name refers to from `scope` (LEGB, class scopes skipped)."""
        current: Optional[Scope] = scope
        first = True
        while current is not None:
            if first or current.kind != "class":
                found = current.bindings.get(name)
                if found:
                    return found
            first = False
            current = current.parent
        return None

    def binding_of(self, name: str, scope: Scope) -> Optional[Binding]:
        """The single binding of a name, or None when absent or ambiguous."""
        bindings = self.lookup(name, scope)
        if bindings is None or len(bindings) != 1:
            return None
        return bindings[0]

    def value_of(self, expr: Optional[cst.BaseExpression], scope: Scope) -> Value:
        """What an expression evaluates to (UNKNOWN when unsure)."""
        if expr is None:
            return UNKNOWN
        key = id(expr)
        cached = self._values.get(key)
        if cached is not None:
            return cached
        if key in self._resolving:  # `x = f(x)` style cycles
            return UNKNOWN
        self._resolving.add(key)
        try:
            value = self._evaluate(expr, scope)
        finally:
            self._resolving.discard(key)
        self._values[key] = value
        return value

    def _evaluate(self, expr: cst.BaseExpression, scope: Scope) -> Value:
        if isinstance(expr, cst.Name):
            bindings = self.lookup(expr.value, scope)
            return UNKNOWN if not bindings else self._bindings_value(bindings)
        if isinstance(expr, cst.Attribute):
            return self._attribute_value(expr, scope)
        if isinstance(expr, cst.Call):
            return self._call_result(expr, scope)
        return UNKNOWN

    def _bindings_value(self, bindings: List[Binding]) -> Value:
        """The one value all of a name's bindings agree on, else UNKNOWN.

        Cached per binding list: a name bound many times and used many
        times would otherwise cost their product.
        """
        key = id(bindings)
        cached = self._binding_lists.get(key)
        if cached is None:
            if key in self._resolving:
                return UNKNOWN
            self._resolving.add(key)
            try:
                values = set()
                for binding in bindings:
                    values.add(self._binding_value(binding))
                    if len(values) > 1:
                        break
                cached = values.pop() if len(values) == 1 else UNKNOWN
            finally:
                self._resolving.discard(key)
            self._binding_lists[key] = cached
        return cached

    def _binding_value(self, binding: Binding) -> Value:
        kind = binding.kind
        if kind is BindingKind.IMPORT:
            return self.catalogue.lookup(binding.qualname)
        if kind is BindingKind.ASSIGN:
            value = self.value_of(binding.expr, binding.scope)
            if binding.from_with and value.kind not in _ENTER_RETURNS_SELF:
                return UNKNOWN  # `with Lock() as held:` binds True, not the lock
            if binding.unpack_index is not None:
                # `reader, writer = Pipe()`: both ends are sync objects.
                return value if value.kind is Kind.SYNC else UNKNOWN
            return value
        if kind is BindingKind.PARAM:
            return self._instance_of(self.value_of(binding.expr, binding.scope))
        if kind is BindingKind.CLASS and isinstance(binding.definition, ClassInfo):
            return self.class_value(binding.definition)
        if kind is BindingKind.OTHER and binding.iterates is not None:
            element = self.element_of(binding.iterates, binding.scope)
            return UNKNOWN if element is None else self.value_of(element, binding.scope)
        return UNKNOWN

    def element_of(self, iterable: cst.BaseExpression, scope: Scope) -> Optional[cst.BaseExpression]:
        """The one expression that builds every element of `iterable`, else None.

        `[Process(...) for i in ...]`, a list display of one element, or a name
        bound once to one of these or to `[]` filled by one `name.append(x)`.
        """
        if isinstance(iterable, cst.Name):
            binding = self.binding_of(iterable.value, scope)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return None
            if binding.from_with or binding.scope is not scope or binding.expr is None:
                return None
            if isinstance(binding.expr, cst.List) and not binding.expr.elements and len(binding.appended) == 1:
                return binding.appended[0]
            if binding.appended:
                return None
            iterable = binding.expr
        if isinstance(iterable, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return iterable.elt
        if isinstance(iterable, (cst.List, cst.Tuple)) and len(iterable.elements) == 1:
            element = iterable.elements[0]
            return element.value if isinstance(element, cst.Element) else None
        return None

    def object_binding(self, name: str, scope: Scope) -> Optional[Binding]:
        """The binding a method call on `name` uses: the single one, or the one
        assignment among `def`s of that name (`work = Process(target=work)`; a
        function has no `.start()`)."""
        bindings = self.lookup(name, scope)
        if not bindings:
            return None
        if len(bindings) == 1:
            return bindings[0]
        assigned = [binding for binding in bindings if binding.kind is BindingKind.ASSIGN]
        if len(assigned) == 1 and all(b.kind is BindingKind.DEF for b in bindings if b is not assigned[0]):
            return assigned[0]
        return None

    def class_value(self, klass: ClassInfo) -> Value:
        """A class of this module that subclasses Process or a manager."""
        for base in klass.node.bases:
            if base.keyword is not None:
                continue
            value = self.value_of(base.value, klass.outer)
            if value.kind in (Kind.PROCESS_CLASS, Kind.MANAGER_CLASS):
                return Value(value.kind, value.family, value.start_method, klass.name)
        return UNKNOWN

    def _attribute_value(self, expr: cst.Attribute, scope: Scope) -> Value:
        attribute = expr.attr.value
        base = expr.value
        if isinstance(base, cst.Name) and base.value == "self" and scope.function is not None:
            klass = scope.function.klass
            if klass is not None:
                bindings = klass.attributes.get(attribute)
                if bindings:
                    return self._bindings_value(bindings)
            return UNKNOWN
        owner = self.value_of(base, scope)
        if owner.kind is Kind.QUALNAME:
            return self.catalogue.lookup(f"{owner.name}.{attribute}")
        if owner.kind is Kind.CONTEXT:
            if owner.name:  # the package itself: submodules are reachable too
                return self.catalogue.lookup(f"{owner.name}.{attribute}")
            return self.catalogue.context_attribute(owner, attribute)
        if owner.kind is Kind.MANAGER and attribute in PROXY_NAMES:
            return Value(Kind.PROXY_FACTORY, owner.family, name=attribute)
        return UNKNOWN

    @staticmethod
    def _instance_of(klass: Value) -> Value:
        """The value an annotation `x: Pool` promises."""
        kind = {
            Kind.POOL_CLASS: Kind.POOL,
            Kind.LAZY_POOL_CLASS: Kind.EXECUTOR,
            Kind.PROCESS_CLASS: Kind.PROCESS,
            Kind.MANAGER_CLASS: Kind.MANAGER,
            Kind.THREAD_POOL_CLASS: Kind.THREAD_POOL,
        }.get(klass.kind)
        return UNKNOWN if kind is None else Value(kind, klass.family, klass.start_method, klass.name)

    def _call_result(self, call: cst.Call, scope: Scope) -> Value:
        callee = self.value_of(call.func, scope)
        kind = callee.kind
        if kind is Kind.GET_CONTEXT:
            method = string_literal(call_argument(call, 0, "method"))
            if method not in START_METHODS:
                method = None
            return Value(Kind.CONTEXT, callee.family, method or callee.start_method)
        if kind is Kind.LAZY_POOL_CLASS:
            context = self.value_of(call_argument(call, 1, "mp_context"), scope)
            method = context.start_method if context.kind is Kind.CONTEXT else callee.start_method
            return Value(Kind.EXECUTOR, callee.family, method, callee.name)
        if kind is Kind.SYNC_FACTORY:
            return Value(Kind.SYNC, callee.family, name=callee.name)
        if kind is Kind.PROXY_FACTORY:
            return Value(Kind.PROXY, callee.family, name=callee.name)
        if kind is Kind.MANAGER_FACTORY:
            return Value(Kind.MANAGER, callee.family, callee.start_method, callee.name)
        if kind is Kind.DATALOADER_CLASS:
            return self._dataloader(call, scope, callee)
        return self._instance_of(callee)

    def _dataloader(self, call: cst.Call, scope: Scope, callee: Value) -> Value:
        """A DataLoader with worker processes (`num_workers` a positive literal)."""
        workers = self.int_literal(call_argument(call, DATALOADER_WORKERS[1], DATALOADER_WORKERS[0]), scope)
        if workers is None or workers <= 0:
            return UNKNOWN
        context_expr = call_argument(call, DATALOADER_CONTEXT[1], DATALOADER_CONTEXT[0])
        method = string_literal(context_expr)
        if context_expr is not None and method is None:
            context = self.value_of(context_expr, scope)
            method = context.start_method if context.kind is Kind.CONTEXT else None
            if context.kind is not Kind.CONTEXT:
                return UNKNOWN  # some context we cannot read: stay silent
        return Value(Kind.DATALOADER, callee.family, method if method in START_METHODS else None, callee.name)

    def int_literal(self, expr: Optional[cst.BaseExpression], scope: Scope) -> Optional[int]:
        """An integer literal, or a name bound once to one."""
        for _ in range(4):
            if isinstance(expr, cst.Integer):
                try:
                    return int(expr.value, 0)
                except ValueError:
                    return None
            if not isinstance(expr, cst.Name):
                return None
            binding = self.binding_of(expr.value, scope)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return None
            expr, scope = binding.expr, binding.scope
        return None
