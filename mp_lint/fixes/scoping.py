"""Python's name resolution over one libcst module, in one walk, for the fixes that move code.

Which scope a name is read in, which statements may have bound the value
it reads, and which names each scope binds: the questions libcst's
`ScopeProvider` answers, answered the way it answers them (the fixes were
written against it, and `tests/test_scoping.py` compares the two on real
code), at a fraction of its cost: one recursive walk over the fields that
hold code, no visitor protocol, no expression-context pass.

The rules, as Python applies them:

- a module, a class body, a function (`def` or `lambda`) and a
  comprehension each have a scope; decorators, defaults, annotations,
  base classes and a comprehension's first iterable run in the scope
  around them;
- a function reads a name from its own scope when it binds it anywhere,
  otherwise from the nearest enclosing function that binds it (class
  bodies are skipped), then the module, then builtins; `global` and
  `nonlocal` move a name's bindings to the module or to the enclosing
  function;
- a read sees the bindings its own scope makes before it, and the next
  scope out when there are none before it (`x = x` in a class body); as in
  libcst, "before" counts binding statements in the order of the text;
- a `:=` in a comprehension binds in the function or module around it.

Where the two differ, on purpose: `import a.b` binds `a` (libcst also
binds the dotted `a.b`), a read through `a.b.c` is a read of `a`, and
string annotations are not read (they are not evaluated where the code
runs). Each difference makes a fix look at the plain name Python binds.
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Union

import libcst as cst

from mp_lint.model.walk import child_nodes

#: `__class__` too, as libcst has it: the cell a method using `super()` reads.
_BUILTINS = frozenset(dir(builtins)) | {"__class__"}


class Assignment:
    """One binding of a name in a scope; `node` is what binds it (a Name, a def, a Param, an import...)."""

    __slots__ = ("name", "node", "scope", "index", "capture")

    def __init__(self, name: str, node: Optional[cst.CSTNode], scope: "Scope", index: int) -> None:
        self.name = name
        self.node = node
        self.scope = scope
        self.index = index
        #: bound by a `case` pattern.
        self.capture = False

    def __repr__(self) -> str:
        return f"Assignment({self.name!r}, {type(self.node).__name__}, {type(self.scope).__name__})"


class Access:
    """One read of a name: the Name node, the scope it is read in, and the bindings it may see."""

    __slots__ = ("node", "name", "scope", "index", "referents")

    def __init__(self, node: cst.Name, scope: "Scope", index: int) -> None:
        self.node = node
        self.name = node.value
        self.scope = scope
        self.index = index
        self.referents: Set[Assignment] = set()


class Assignments:
    """A scope's bindings: `name in`, `[name]` (a set), and iteration over every binding."""

    __slots__ = ("_scope",)

    def __init__(self, scope: "Scope") -> None:
        self._scope = scope

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self._scope.table.get(name))

    def __getitem__(self, name: str) -> Set[Assignment]:
        return set(self._scope.table.get(name, ()))

    def __iter__(self) -> Iterator[Assignment]:
        return iter(self._scope.ordered)


class Scope:
    """A namespace: its parent, the node that makes it, its bindings and its reads."""

    def __init__(self, parent: Optional["Scope"], node: Optional[cst.CSTNode]) -> None:
        self.parent = parent
        self.node = node
        self.table: Dict[str, List[Assignment]] = {}
        self.ordered: List[Assignment] = []
        self.accesses: List[Access] = []
        self.global_names: Set[str] = set()
        self.nonlocal_names: Set[str] = set()
        #: bumped after each statement: a read in a module or class body sees the bindings before it.
        self.count = 0

    @property
    def assignments(self) -> Assignments:
        """The bindings made in this scope."""
        return Assignments(self)

    def add(self, name: str, node: Optional[cst.CSTNode]) -> Assignment:
        assignment = Assignment(name, node, self, self.count)
        self.table.setdefault(name, []).append(assignment)
        self.ordered.append(assignment)
        return assignment

    def __getitem__(self, name: str) -> Set[Assignment]:
        """The bindings of `name` code in this scope can see (as libcst's `scope[name]`)."""
        return _visible(self, name)

    def __contains__(self, name: str) -> bool:
        return bool(self[name])


class GlobalScope(Scope):
    """The module namespace."""


class BuiltinScope(Scope):
    """Python's builtins: a binding for every name `dir(builtins)` lists, made on first use."""

    def binding(self, name: str) -> Set[Assignment]:
        if name not in _BUILTINS:
            return set()
        found = self.table.get(name)
        if found is None:
            found = [self.add(name, None)]
        return set(found)


class ClassScope(Scope):
    """A class body."""


class FunctionScope(Scope):
    """A `def` or `lambda` body; `node` is the FunctionDef or Lambda."""


class ComprehensionScope(Scope):
    """A list, set or dict comprehension or a generator expression; `node` is it."""


class AnnotationScope(Scope):
    """The type parameters of a generic def, class or `type` alias (Python 3.12+)."""


_LOCAL = (FunctionScope, ComprehensionScope, AnnotationScope)


def _module_binding(scope: Scope, name: str) -> Set[Assignment]:
    while not isinstance(scope, GlobalScope):
        assert scope.parent is not None
        scope = scope.parent
    found = scope.table.get(name)
    if found:
        return set(found)
    assert isinstance(scope.parent, BuiltinScope)
    return scope.parent.binding(name)


def _outward(scope: Optional[Scope], name: str) -> Set[Assignment]:
    """What a name a nested function reads resolves to, looking out from `scope`."""
    while scope is not None:
        if isinstance(scope, BuiltinScope):
            return scope.binding(name)
        if isinstance(scope, GlobalScope):
            return _module_binding(scope, name)
        if isinstance(scope, ClassScope):
            scope = scope.parent
            continue
        if name in scope.global_names:
            return _module_binding(scope, name)
        if name not in scope.nonlocal_names:
            found = scope.table.get(name)
            if found:
                return set(found)
        scope = scope.parent
    return set()


def _visible(scope: Scope, name: str) -> Set[Assignment]:
    """Every binding of `name` code in `scope` can see, regardless of order."""
    if not isinstance(scope, ClassScope):
        return _outward(scope, name)  # its first step is `scope` itself
    # A class body sees its own bindings; the functions inside it do not (hence `_outward` skips it).
    if name in scope.global_names:
        return _module_binding(scope, name)
    if name not in scope.nonlocal_names:
        found = scope.table.get(name)
        if found:
            return set(found)
    return _outward(scope.parent, name)


def _resolve(access: Access) -> Set[Assignment]:
    """The bindings `access` may read: those of its own scope made before it, or the next scope's."""
    scope = access.scope
    visible = _visible(scope, access.name)
    before = {a for a in visible if a.scope is not scope or a.index < access.index}
    if not before and visible:
        return _outward(scope.parent, access.name)
    return before


_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)


class Resolver:
    """Walk a module once: every scope, the scope of every node, every binding and every read."""

    def __init__(self, module: cst.Module) -> None:
        self.builtins = BuiltinScope(None, None)
        self.module_scope = GlobalScope(self.builtins, module)
        self.scopes: List[Scope] = [self.module_scope]
        #: the scope each node is evaluated in, by id.
        self.scope_at: Dict[int, Scope] = {id(module): self.module_scope}
        scope = self.module_scope
        for statement in module.body:
            self._statement(statement, scope)
        self.accesses: List[Access] = []
        for found in self.scopes:
            for access in found.accesses:
                access.referents = _resolve(access)
                self.accesses.append(access)

    # ------------------------------------------------------------ scopes and bindings
    def _new(self, kind: type, parent: Scope, node: cst.CSTNode) -> Scope:
        scope: Scope = kind(parent, node)
        self.scopes.append(scope)
        return scope

    def _bind(self, scope: Scope, name: str, node: cst.CSTNode) -> Assignment:
        if name in scope.global_names and not isinstance(scope, GlobalScope):
            target = scope
            while not isinstance(target, GlobalScope):
                assert target.parent is not None
                target = target.parent
            return target.add(name, node)
        if name in scope.nonlocal_names:
            return self._nonlocal_target(scope, name).add(name, node)
        return scope.add(name, node)

    @staticmethod
    def _nonlocal_target(inner: Scope, name: str) -> Scope:
        """Where a `nonlocal` name's binding goes: the enclosing function that binds it.

        One that binds it only further down is not known yet; the nearest
        enclosing function is taken then (as libcst does, always).
        """
        nearest: Optional[Scope] = None
        scope = inner.parent
        while scope is not None and not isinstance(scope, (GlobalScope, BuiltinScope)):
            if isinstance(scope, _LOCAL):
                nearest = nearest or scope
                if name in scope.table and name not in scope.nonlocal_names:
                    return scope
            scope = scope.parent
        return nearest or inner  # no enclosing function: Python rejects it; keep it where it is

    def _read(self, node: cst.Name, scope: Scope) -> None:
        scope.accesses.append(Access(node, scope, scope.count))

    # ------------------------------------------------------------ statements
    def _statement(self, node: cst.CSTNode, scope: Scope) -> None:
        self._visit(node, scope)
        scope.count += 1

    def _visit(self, node: cst.CSTNode, scope: Scope) -> None:
        self.scope_at[id(node)] = scope
        handler = _HANDLERS.get(type(node))
        if handler is not None:
            handler(self, node, scope)
            return
        for child in child_nodes(node):
            self._visit(child, scope)

    def _body(self, body: cst.CSTNode, scope: Scope) -> None:
        """An indented block or a one-line suite: its statements in order, each counted."""
        self.scope_at[id(body)] = scope
        if isinstance(body, cst.IndentedBlock):
            for statement in body.body:
                self._statement(statement, scope)
        elif isinstance(body, cst.SimpleStatementSuite):
            for small in body.body:
                self._statement(small, scope)
        else:
            self._visit(body, scope)

    def _store(self, target: cst.CSTNode, scope: Scope) -> None:
        """An assignment target: names bind in `scope`, the rest of it is read."""
        self.scope_at[id(target)] = scope
        kind = type(target)
        if kind is cst.Name:
            self._bind(scope, target.value, target)  # type: ignore[attr-defined]
        elif kind is cst.Tuple or kind is cst.List:
            for element in target.elements:  # type: ignore[attr-defined]
                self.scope_at[id(element)] = scope
                self._store(element.value, scope)
        elif kind is cst.StarredElement:
            self._store(target.value, scope)  # type: ignore[attr-defined]
        elif kind is cst.AssignTarget:
            self._store(target.target, scope)  # type: ignore[attr-defined]
        else:  # an attribute or a subscript: reads its parts
            self._visit(target, scope)

    # ------------------------------------------------------------ handlers
    def _name(self, node: cst.Name, scope: Scope) -> None:
        self._read(node, scope)

    def _line(self, node: cst.SimpleStatementLine, scope: Scope) -> None:
        for small in node.body:  # `x = 1; print(x)`: the print sees the binding
            self._statement(small, scope)

    def _attribute(self, node: cst.Attribute, scope: Scope) -> None:
        self._visit(node.value, scope)

    def _arg(self, node: cst.Arg, scope: Scope) -> None:
        self._visit(node.value, scope)

    def _assign(self, node: cst.Assign, scope: Scope) -> None:
        for target in node.targets:
            self.scope_at[id(target)] = scope
            self._store(target.target, scope)
        self._visit(node.value, scope)

    def _ann_assign(self, node: cst.AnnAssign, scope: Scope) -> None:
        self._store(node.target, scope)
        self._visit(node.annotation, scope)
        if node.value is not None:
            self._visit(node.value, scope)

    def _aug_assign(self, node: cst.AugAssign, scope: Scope) -> None:
        self._store(node.target, scope)
        self._visit(node.value, scope)

    def _for(self, node: Union[cst.For], scope: Scope) -> None:
        self._store(node.target, scope)
        scope.count += 1
        self._visit(node.iter, scope)
        self._body(node.body, scope)
        if node.orelse is not None:
            self.scope_at[id(node.orelse)] = scope
            self._body(node.orelse.body, scope)

    def _with_item(self, node: cst.WithItem, scope: Scope) -> None:
        self._visit(node.item, scope)
        if node.asname is not None:
            self.scope_at[id(node.asname)] = scope
            self._store(node.asname.name, scope)
        scope.count += 1

    def _handler(self, node: Union[cst.ExceptHandler, cst.ExceptStarHandler], scope: Scope) -> None:
        if node.type is not None:
            self._visit(node.type, scope)
        if node.name is not None:
            self.scope_at[id(node.name)] = scope
            self._store(node.name.name, scope)
            scope.count += 1
        self._body(node.body, scope)

    def _import(self, node: Union[cst.Import, cst.ImportFrom], scope: Scope) -> None:
        names = node.names
        if isinstance(names, cst.ImportStar):
            return
        for alias in names:
            self.scope_at[id(alias)] = scope
            if alias.asname is not None:
                bound = alias.asname.name
                name = bound.value if isinstance(bound, cst.Name) else None
            else:
                dotted: cst.BaseExpression = alias.name
                while isinstance(dotted, cst.Attribute):
                    dotted = dotted.value
                name = dotted.value if isinstance(dotted, cst.Name) else None
            if name is not None:
                self._bind(scope, name, node)

    def _declare(self, node: Union[cst.Global, cst.Nonlocal], scope: Scope) -> None:
        names = scope.global_names if isinstance(node, cst.Global) else scope.nonlocal_names
        for item in node.names:
            names.add(item.name.value)

    def _named(self, node: cst.NamedExpr, scope: Scope) -> None:
        target = scope
        while isinstance(target, ComprehensionScope) and target.parent is not None:
            target = target.parent
        self._visit(node.value, scope)
        self.scope_at[id(node.target)] = scope
        if isinstance(node.target, cst.Name):
            self._bind(target, node.target.value, node.target)
        scope.count += 1
        target.count += 1

    def _parameters(self, params: cst.Parameters, inner: Scope, outer: Scope) -> None:
        self.scope_at[id(params)] = inner
        every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            self.scope_at[id(param)] = inner
            self.scope_at[id(param.name)] = inner
            inner.add(param.name.value, param)
            if param.default is not None:
                self._visit(param.default, outer)
            if param.annotation is not None:
                self._visit(param.annotation, outer)
        inner.count += 1

    def _type_scope(self, node: cst.CSTNode, scope: Scope) -> Scope:
        parameters = getattr(node, "type_parameters", None)
        if parameters is None:
            return scope
        inner = self._new(AnnotationScope, scope, node)
        self._visit(parameters, inner)
        return inner

    def _function(self, node: cst.FunctionDef, scope: Scope) -> None:
        self.scope_at[id(node.name)] = scope
        self._bind(scope, node.name.value, node)
        for decorator in node.decorators:
            self._visit(decorator, scope)
        outer = self._type_scope(node, scope)
        inner = self._new(FunctionScope, outer, node)
        self._parameters(node.params, inner, outer)
        if node.returns is not None:
            self._visit(node.returns, outer)
        self._body(node.body, inner)

    def _lambda(self, node: cst.Lambda, scope: Scope) -> None:
        inner = self._new(FunctionScope, scope, node)
        self._parameters(node.params, inner, scope)
        self.scope_at[id(node.body)] = inner
        self._visit(node.body, inner)

    def _class(self, node: cst.ClassDef, scope: Scope) -> None:
        self.scope_at[id(node.name)] = scope
        self._bind(scope, node.name.value, node)
        for decorator in node.decorators:
            self._visit(decorator, scope)
        outer = self._type_scope(node, scope)
        for argument in (*node.bases, *node.keywords):
            self.scope_at[id(argument)] = outer
            self._visit(argument.value, outer)
        inner = self._new(ClassScope, outer, node)
        self._body(node.body, inner)

    def _comprehension(self, node: cst.CSTNode, scope: Scope) -> None:
        first: cst.CompFor = node.for_in  # type: ignore[attr-defined]
        self.scope_at[id(first)] = scope
        self._visit(first.iter, scope)
        inner = self._new(ComprehensionScope, scope, node)
        current: Optional[cst.CompFor] = first
        while current is not None:
            self.scope_at[id(current)] = inner
            if current is not first:
                self._visit(current.iter, inner)
            self._store(current.target, inner)
            inner.count += 1
            for condition in current.ifs:
                self._visit(condition, inner)
            current = current.inner_for_in
        if isinstance(node, cst.DictComp):
            self._visit(node.key, inner)
            self._visit(node.value, inner)
        else:
            self._visit(node.elt, inner)  # type: ignore[attr-defined]

    def _del(self, node: cst.Del, scope: Scope) -> None:
        self._visit(node.target, scope)  # as libcst: `del x` reads `x`

    def _match_as(self, node: cst.CSTNode, scope: Scope) -> None:
        pattern = getattr(node, "pattern", None)
        if pattern is not None:
            self._visit(pattern, scope)
        name = getattr(node, "name", None)
        if isinstance(name, cst.Name):
            self.scope_at[id(name)] = scope
            self._capture(scope, name)

    def _capture(self, scope: Scope, name: cst.Name) -> None:
        self._bind(scope, name.value, name).capture = True

    def _match_case(self, node: cst.MatchCase, scope: Scope) -> None:
        self._visit(node.pattern, scope)
        scope.count += 1  # the guard and the body see what the pattern binds
        if node.guard is not None:
            self._visit(node.guard, scope)
        self._body(node.body, scope)

    def _match_mapping(self, node: cst.MatchMapping, scope: Scope) -> None:
        for element in node.elements:
            self._visit(element, scope)
        if node.rest is not None:
            self.scope_at[id(node.rest)] = scope
            self._capture(scope, node.rest)

    def _match_keyword(self, node: cst.MatchKeywordElement, scope: Scope) -> None:
        self._visit(node.pattern, scope)  # the keyword is an attribute name

    def _type_alias(self, node: cst.CSTNode, scope: Scope) -> None:
        name = getattr(node, "name")
        self.scope_at[id(name)] = scope
        self._bind(scope, name.value, node)
        inner = self._new(AnnotationScope, scope, node)
        parameters = getattr(node, "type_parameters", None)
        if parameters is not None:
            self._visit(parameters, inner)
        self._visit(getattr(node, "value"), inner)

    def _type_var(self, node: cst.CSTNode, scope: Scope) -> None:
        name = getattr(node, "name")
        self.scope_at[id(name)] = scope
        self._bind(scope, name.value, node)
        bound = getattr(node, "bound", None)
        if bound is not None:
            self._visit(bound, scope)

    def _compound(self, node: cst.CSTNode, scope: Scope) -> None:
        """if/while/try/with and the like: their parts, with each block's statements counted."""
        for child in child_nodes(node):
            if isinstance(child, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                self._body(child, scope)
            else:
                self._visit(child, scope)


_HANDLERS: Dict[type, Callable[[Resolver, Any, Scope], None]] = {
    cst.Name: Resolver._name,
    cst.SimpleStatementLine: Resolver._line,
    cst.Attribute: Resolver._attribute,
    cst.Arg: Resolver._arg,
    cst.Assign: Resolver._assign,
    cst.AnnAssign: Resolver._ann_assign,
    cst.AugAssign: Resolver._aug_assign,
    cst.For: Resolver._for,
    cst.WithItem: Resolver._with_item,
    cst.ExceptHandler: Resolver._handler,
    cst.Import: Resolver._import,
    cst.ImportFrom: Resolver._import,
    cst.Global: Resolver._declare,
    cst.Nonlocal: Resolver._declare,
    cst.NamedExpr: Resolver._named,
    cst.FunctionDef: Resolver._function,
    cst.Lambda: Resolver._lambda,
    cst.ClassDef: Resolver._class,
    cst.Del: Resolver._del,
    cst.MatchAs: Resolver._match_as,
    cst.MatchStar: Resolver._match_as,
    cst.MatchMapping: Resolver._match_mapping,
    cst.MatchKeywordElement: Resolver._match_keyword,
    cst.If: Resolver._compound,
    cst.Else: Resolver._compound,
    cst.While: Resolver._compound,
    cst.Try: Resolver._compound,
    cst.Finally: Resolver._compound,
    cst.With: Resolver._compound,
    cst.Match: Resolver._compound,
    cst.MatchCase: Resolver._match_case,
}
for _comprehension in _COMPREHENSIONS:
    _HANDLERS[_comprehension] = Resolver._comprehension
for _optional in ("ExceptStarHandler", "TryStar"):
    if hasattr(cst, _optional):
        handler = Resolver._handler if _optional == "ExceptStarHandler" else Resolver._compound
        _HANDLERS[getattr(cst, _optional)] = handler
if hasattr(cst, "TypeAlias"):
    _HANDLERS[cst.TypeAlias] = Resolver._type_alias
for _optional in ("TypeVar", "TypeVarTuple", "ParamSpec"):
    if hasattr(cst, _optional):
        _HANDLERS[getattr(cst, _optional)] = Resolver._type_var
