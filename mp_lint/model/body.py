"""The facts of one function body (or the module body), from one walk.

Every analysis that reads a body in order asks this one index: parents,
source order, every occurrence of each name (the statement it sits in,
whether a nested def or lambda captures it), reads, writes, exits, and the
`with` blocks and loops around a node. A `FunctionBody` is built lazily,
for the few functions a rule asks about, and cached on the model through
`body_of`.

Reads are over-approximated on purpose: any `Name` that is not plainly a
store counts as a read. An extra read can only make a rule stay silent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple, Union, cast

import libcst as cst

from mp_lint.model.module import BindingKind, CallSite, FunctionInfo, ModuleModel, Scope
from mp_lint.model.walk import child_nodes

__all__ = [
    "FILL_METHODS",
    "MUTATING_METHODS",
    "FunctionBody",
    "NameUse",
    "Write",
    "WriteKind",
    "body_for",
    "body_of",
]

#: Calls of these names can read any variable behind the analysis' back.
_DYNAMIC_NAMES = frozenset({"locals", "vars", "eval", "exec", "globals"})

#: Methods that put an item into a container without reading what it holds.
FILL_METHODS = frozenset({"append", "appendleft", "add", "insert"})

#: Methods that change a container in place.
MUTATING_METHODS = FILL_METHODS | frozenset(
    {"extend", "extendleft", "update", "setdefault", "pop", "popitem", "popleft", "remove", "discard", "clear",
     "sort", "reverse"}
)

# Name-valued fields that store (or label) rather than read.
_STORE_FIELDS: Dict[type, Tuple[str, ...]] = {
    cst.Attribute: ("attr",),
    cst.Arg: ("keyword",),
    cst.Param: ("name",),
    cst.FunctionDef: ("name",),
    cst.ClassDef: ("name",),
    cst.AsName: ("name",),
    cst.AssignTarget: ("target",),
    cst.AnnAssign: ("target",),
    cst.For: ("target",),
    cst.CompFor: ("target",),
    cst.NamedExpr: ("target",),
}

_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
#: Statements whose names are declarations, not reads.
_DECLARATIONS = (cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal)


def _subclasses(base: type) -> FrozenSet[type]:
    found: Set[type] = set()
    stack: List[type] = [base]
    while stack:
        subclasses: List[type] = stack.pop().__subclasses__()
        for sub in subclasses:
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return frozenset(found)


# Exact types: isinstance() against libcst's abstract bases is slow.
_STATEMENT_TYPES = _subclasses(cst.BaseSmallStatement) | _subclasses(cst.BaseCompoundStatement)
_EXIT_TYPES = frozenset({cst.Return, cst.Raise, cst.Break, cst.Continue})


@dataclass(eq=False)
class NameUse:
    """One occurrence of a name in the body (a store, a read or a declaration)."""

    node: cst.Name
    #: the innermost statement (small or compound) the name occurs in.
    statement: cst.CSTNode
    #: inside a nested def, lambda or class: the object is captured.
    nested: bool


class WriteKind(enum.Enum):
    """How a statement changes what a name refers to or holds."""

    BIND = "bind"  # `x = ...`, `x += ...`, `for x in`, `del x`
    ATTRIBUTE = "attribute"  # `x.a = ...`, `x.a += ...`, `del x.a`
    SUBSCRIPT = "subscript"  # `x[k] = ...`, `x[k] += ...`, `del x[k]`
    METHOD = "method"  # `x.append(...)`, `x.update(...)`...


@dataclass(frozen=True)
class Write:
    """A write to (or into) the object a name refers to."""

    kind: WriteKind
    #: the name occurrence written through.
    name: cst.Name
    #: the statement that writes (for METHOD: the call).
    node: cst.CSTNode
    #: an augmented assignment (`+=`): a read and a write in one.
    augmented: bool = False


class FunctionBody:
    """One function (or the module): parents, order, names, exits.

    Nested functions are part of the body: their reads of an outer name are
    closures. `own_reads` leaves out the reads of a nested function's own
    variable of the same name. For a function, `uses` and `exits` cover its
    suite only (not its parameters, defaults or decorators); `reads` cover
    the whole `def`.
    """

    def __init__(
        self,
        root: cst.CSTNode,
        scope: Optional[Scope] = None,
        functions: Optional[Dict[int, FunctionInfo]] = None,
    ) -> None:
        self.root = root
        #: the namespace of the root: which names are its own variables.
        self.scope = scope
        #: id(def node) -> FunctionInfo, to tell a nested function's own locals.
        self._functions = functions or {}
        self.parent: Dict[int, cst.CSTNode] = {}
        #: pre-order index: statements and calls compare in source order.
        self.order: Dict[int, int] = {}
        self.reads: Dict[str, List[cst.Name]] = {}
        #: every occurrence of each name in the suite, in source order.
        self.names: Dict[str, List[NameUse]] = {}
        #: names in `global` / `nonlocal` statements: read from elsewhere too.
        self.declared: Set[str] = set()
        #: names declared `nonlocal` in the suite.
        self.nonlocals: Set[str] = set()
        #: return, raise, break, continue and `while True:` statements of the suite itself.
        self.exits: List[cst.CSTNode] = []
        #: `locals()`, `eval(...)`...: any name may be read.
        self.dynamic = False
        #: answers already computed for this body (rules ask per call site;
        #: without this, a function with thousands of similar calls is quadratic).
        self.memo: Dict[Tuple[object, ...], object] = {}
        self._walk()

    def _walk(self) -> None:
        parent = self.parent
        order = self.order
        reads = self.reads
        names = self.names
        stores: Set[int] = set()
        root = self.root
        suite = root.body if isinstance(root, cst.FunctionDef) else root
        # (node, innermost statement, nested, in the suite, in a declaration)
        stack: List[Tuple[cst.CSTNode, cst.CSTNode, bool, bool, bool]] = [(root, suite, False, root is suite, False)]
        counter = 0
        while stack:
            node, statement, nested, in_suite, declaring = stack.pop()
            order[id(node)] = counter
            counter += 1
            node_type = type(node)  # exact types: isinstance on libcst's ABCs is slow
            if node is suite:
                in_suite = True
            if in_suite and node_type in _STATEMENT_TYPES:
                statement = node
                # `while True:` without a break never falls through: an exit too.
                if not nested and (
                    node_type in _EXIT_TYPES or (node_type is cst.While and always_true(cast(cst.While, node).test))
                ):
                    self.exits.append(node)
            if node_type is cst.Name:
                name = cast(cst.Name, node)
                if in_suite:
                    names.setdefault(name.value, []).append(NameUse(name, statement, nested))
                if not declaring and id(node) not in stores:
                    reads.setdefault(name.value, []).append(name)
                    if name.value in _DYNAMIC_NAMES:
                        self.dynamic = True
                continue
            if isinstance(node, _DECLARATIONS):
                declaring = True
                if isinstance(node, (cst.Global, cst.Nonlocal)):
                    declared = [item.name.value for item in node.names]
                    self.declared.update(declared)
                    if in_suite and isinstance(node, cst.Nonlocal):
                        self.nonlocals.update(declared)
            fields = _STORE_FIELDS.get(node_type)
            if fields:
                for field_name in fields:
                    _mark_stores(getattr(node, field_name, None), stores)
            inner = nested or (node is not root and isinstance(node, _SCOPE_NODES))
            children = child_nodes(node)
            for child in reversed(children):
                parent[id(child)] = node
                stack.append((child, statement, inner, in_suite, declaring))

    # ------------------------------------------------------------ structure
    def parent_of(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The node directly containing `node` (None at the root)."""
        return self.parent.get(id(node))

    def position(self, node: cst.CSTNode) -> int:
        """Pre-order index: smaller means earlier in the source."""
        return self.order.get(id(node), -1)

    def inside(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        """Whether `ancestor` contains `node` (or is it)."""
        current: Optional[cst.CSTNode] = node
        parent = self.parent
        while current is not None:
            if current is ancestor:
                return True
            current = parent.get(id(current))
        return False

    def enclosing_scope_node(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The innermost def, lambda or class around `node` below the root."""
        current = self.parent.get(id(node))
        while current is not None and current is not self.root:
            if isinstance(current, _SCOPE_NODES):
                return current
            current = self.parent.get(id(current))
        return None

    def around(self, node: cst.CSTNode, kinds: Tuple[type, ...]) -> Iterator[cst.CSTNode]:
        """The nodes of `kinds` around `node`, innermost first, up to its own function."""
        current = self.parent.get(id(node))
        while current is not None and not isinstance(current, _SCOPE_NODES):
            if any(isinstance(current, kind) for kind in kinds):  # (no narrowing to `object`)
                yield current
            current = self.parent.get(id(current))

    def with_blocks_around(self, node: cst.CSTNode) -> List[cst.With]:
        """The `with` statements whose block holds `node`, innermost first."""
        found = []
        child = node
        for block in self.around(node, (cst.With,)):
            assert isinstance(block, cst.With)
            if self.inside(child, block.body):
                found.append(block)
        return found

    def loops_around(self, node: cst.CSTNode) -> List[cst.CSTNode]:
        """The `for`/`while` statements and comprehensions around `node`, innermost first."""
        kinds = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
        return list(self.around(node, kinds))

    # ---------------------------------------------------------------- names
    def uses(self, name: str) -> List[NameUse]:
        """Every occurrence of `name` in the suite, in source order."""
        return self.names.get(name, [])

    def is_own(self, read: cst.Name) -> bool:
        """Whether `read` may be the root's variable, not a nested function's own.

        A read in a nested def counts unless that def binds the name itself
        (parameter, assignment) without declaring it global; a read in a
        lambda counts unless it is one of the lambda's parameters.
        """
        holder = self.enclosing_scope_node(read)
        name = read.value
        if isinstance(holder, cst.FunctionDef):
            info = self._functions.get(id(holder))
            if info is None:
                return True
            return name not in info.scope.bindings or name in info.scope.global_names
        if isinstance(holder, cst.Lambda):
            params = holder.params
            every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
            for extra in (params.star_arg, params.star_kwarg):
                if isinstance(extra, cst.Param):
                    every.append(extra)
            return all(param.name.value != name for param in every)
        return True

    def is_local(self, name: str) -> bool:
        """Whether `name` is a variable of the root assigned only in it.

        Parameters, globals and closure variables are not: another function
        can read them.
        """
        if self.scope is None or name in self.declared:
            return False
        bindings = self.scope.bindings.get(name)
        if not bindings:
            return False
        return all(binding.kind in (BindingKind.ASSIGN, BindingKind.OTHER) for binding in bindings)

    def own_reads(self, name: str) -> Iterator[cst.Name]:
        """The reads of `name` that may refer to the root's variable."""
        for read in self.reads.get(name, ()):
            if self.is_own(read):
                yield read

    def writes(self, name: str) -> List[Write]:
        """The writes to or into what `name` refers to, in source order.

        Rebinding (`name = ...`, `name += ...`, `del name`, a loop target),
        stores into it (`name.a = ...`, `name[k] = ...`, `del name[k]`) and
        in-place method calls (`name.append(x)`...). Occurrences in nested
        functions are included; ask `is_own` to tell them apart.
        """
        key = ("writes", name)
        cached = self.memo.get(key)
        if cached is None:
            cached = self.memo[key] = [w for use in self.uses(name) for w in self._write_of(use.node)]
        return cast(List[Write], cached)

    def _write_of(self, name: cst.Name) -> Iterator[Write]:
        parent = self.parent_of(name)
        if parent is None:
            return
        target_of = _target_statement(self, name)
        if target_of is not None:
            yield Write(WriteKind.BIND, name, target_of, isinstance(target_of, cst.AugAssign))
            return
        if isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is name:
            kind = WriteKind.ATTRIBUTE if isinstance(parent, cst.Attribute) else WriteKind.SUBSCRIPT
            statement = _target_statement(self, parent)
            if statement is not None:
                yield Write(kind, name, statement, isinstance(statement, cst.AugAssign))
                return
            if isinstance(parent, cst.Attribute) and parent.attr.value in MUTATING_METHODS:
                call = self.parent_of(parent)
                if isinstance(call, cst.Call) and call.func is parent:
                    yield Write(WriteKind.METHOD, name, call)


def _target_statement(body: FunctionBody, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    """The statement that stores into `node` when `node` is (part of) a target."""
    child: cst.CSTNode = node
    parent = body.parent_of(node)
    while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
        child, parent = parent, body.parent_of(parent)
    if isinstance(parent, cst.AssignTarget) and parent.target is child:
        return body.parent_of(parent)
    if isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is child:
        return parent
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.target is child:
        return parent
    if isinstance(parent, cst.NamedExpr) and parent.target is child:
        return parent
    if isinstance(parent, cst.Del) and parent.target is child:
        return parent
    return None


def _mark_stores(target: object, stores: Set[int]) -> None:
    """Note the names a target stores into, unpacking `a, (b, *c) = ...`."""
    pending = [target]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Name):
            stores.add(id(node))
        elif isinstance(node, (cst.Tuple, cst.List)):
            pending.extend(element.value for element in node.elements)
        elif isinstance(node, cst.StarredElement):
            pending.append(node.value)


def always_true(test: cst.BaseExpression) -> bool:
    """`while True:`, `while 1:`: a test that never fails."""
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.value not in ("0",)
    return False


def body_of(model: ModuleModel, root: Union[cst.FunctionDef, cst.Module]) -> FunctionBody:
    """The (cached) body index of a function or of the module."""
    cache: Dict[int, FunctionBody] = model.derived.setdefault("body.bodies", {})
    body = cache.get(id(root))
    if body is None:
        functions = _function_map(model)
        info = functions.get(id(root))
        scope = info.scope if info is not None else model.module_scope if root is model.module else None
        body = cache[id(root)] = FunctionBody(root, scope, functions)
    return body


def _function_map(model: ModuleModel) -> Dict[int, FunctionInfo]:
    """id(FunctionDef node) -> its FunctionInfo, computed once per model."""
    functions: Optional[Dict[int, FunctionInfo]] = model.derived.get("body.functions")
    if functions is None:
        functions = model.derived["body.functions"] = {id(info.node): info for info in model.functions}
    return functions


def body_for(model: ModuleModel, site: CallSite) -> Optional[FunctionBody]:
    """The body a call runs in; None inside lambdas and class bodies."""
    if site.function is not None:
        return body_of(model, site.function.node)
    if site.scope.kind == "module":
        return body_of(model, model.module)
    return None
