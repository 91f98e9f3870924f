"""Order and uses of names inside one function body (or the module body).

The rules about lost results and joins need facts the module model does not
keep: where a call's result goes (dropped, bound to a name, appended to a
list), whether a name is read again and where, and which statement comes
first. A `Body` answers these for one function, from one iterative walk of
that function only; it is built lazily, for the few functions that contain
a relevant call, and shared by every rule through `body_for`.

Reads are over-approximated on purpose: any `Name` that is not plainly a
store counts as a read. An extra read can only make a rule stay silent.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple, Union, cast

import libcst as cst

from mp_lint.model.apis import Family, Kind
from mp_lint.model.module import ApiCall, BindingKind, CallSite, FunctionInfo, ModuleModel, Scope
from mp_lint.model.walk import child_nodes

#: Calls of these names can read any variable behind the analysis' back.
_DYNAMIC_NAMES = frozenset({"locals", "vars", "eval", "exec", "globals"})

#: Methods that put an item into a container without reading what it holds.
FILL_METHODS = frozenset({"append", "appendleft", "add", "insert"})

#: Pool methods returning an AsyncResult; executor methods returning a Future.
POOL_ASYNC_METHODS = frozenset({"apply_async", "map_async", "starmap_async"})
EXECUTOR_ASYNC_METHODS = frozenset({"submit"})

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


class Body:
    """One function (or the module): parents, pre-order positions and reads.

    Nested functions are part of the body: their reads of an outer name are
    closures. `own_reads` leaves out the reads of a nested function's own
    variable of the same name.
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
        #: names in `global` / `nonlocal` statements: read from elsewhere too.
        self.declared: Set[str] = set()
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
        stores: Set[int] = set()
        stack: List[cst.CSTNode] = [self.root]
        counter = 0
        while stack:
            node = stack.pop()
            order[id(node)] = counter
            counter += 1
            node_type = type(node)  # exact types: isinstance on libcst's ABCs is slow
            if node_type is cst.Name:
                if id(node) not in stores:
                    name = cast(cst.Name, node)
                    reads.setdefault(name.value, []).append(name)
                    if name.value in _DYNAMIC_NAMES:
                        self.dynamic = True
                continue
            if node_type is cst.Import or node_type is cst.ImportFrom:
                continue
            if isinstance(node, (cst.Global, cst.Nonlocal)):
                self.declared.update(item.name.value for item in node.names)
                continue
            fields = _STORE_FIELDS.get(node_type)
            if fields:
                for field_name in fields:
                    _mark_stores(getattr(node, field_name, None), stores)
            children = list(child_nodes(node))
            for child in reversed(children):
                parent[id(child)] = node
                stack.append(child)

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

    def enclosing_scope_node(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The innermost def, lambda or class around `node` below the root."""
        current = self.parent.get(id(node))
        while current is not None and current is not self.root:
            if isinstance(current, _SCOPE_NODES):
                return current
            current = self.parent.get(id(current))
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


def body_of(model: ModuleModel, root: Union[cst.FunctionDef, cst.Module]) -> Body:
    """The (cached) body index of a function or of the module."""
    cache: Dict[int, Body] = model.derived.setdefault("flow.bodies", {})
    body = cache.get(id(root))
    if body is None:
        functions = _function_map(model)
        info = functions.get(id(root))
        scope = info.scope if info is not None else model.module_scope if root is model.module else None
        body = cache[id(root)] = Body(root, scope, functions)
    return body


def _function_map(model: ModuleModel) -> Dict[int, FunctionInfo]:
    """id(FunctionDef node) -> its FunctionInfo, computed once per model."""
    functions: Optional[Dict[int, FunctionInfo]] = model.derived.get("flow.functions")
    if functions is None:
        functions = model.derived["flow.functions"] = {id(info.node): info for info in model.functions}
    return functions


def body_for(model: ModuleModel, site: CallSite) -> Optional[Body]:
    """The body a call runs in; None inside lambdas and class bodies."""
    if site.function is not None:
        return body_of(model, site.function.node)
    if site.scope.kind == "module":
        return body_of(model, model.module)
    return None


# ------------------------------------------------------------ result sinks


class SinkKind(enum.Enum):
    """Where the value of an expression goes."""

    DROPPED = "dropped"  # an expression statement
    NAMES = "names"  # `name = <expr>` (possibly through a literal or comprehension)
    FILLS = "fills"  # `name.append(<expr>)`, `name[key] = <expr>`
    OTHER = "other"  # anything else: used, as far as the rules can tell


@dataclass(frozen=True)
class Sink:
    """The destination of a value and, for NAMES/FILLS, the names involved."""

    kind: SinkKind
    names: Tuple[str, ...] = ()


_OTHER = Sink(SinkKind.OTHER)


def _holder(body: Body, node: cst.CSTNode) -> cst.CSTNode:
    """`node`, or the list/dict literal or comprehension that collects it."""
    for _ in range(16):  # literals nest rarely; bound the climb
        parent = body.parent_of(node)
        if isinstance(parent, (cst.Element, cst.DictElement)):
            grand = body.parent_of(parent)
            if isinstance(grand, (cst.List, cst.Set, cst.Tuple, cst.Dict)):
                node = grand
                continue
            return node
        if isinstance(parent, (cst.ListComp, cst.SetComp)) and parent.elt is node:
            node = parent
            continue
        if isinstance(parent, cst.DictComp) and (parent.key is node or parent.value is node):
            node = parent
            continue
        return node
    return node


def _filled_container(body: Body, arg: cst.Arg) -> Optional[str]:
    """`box` when `arg` is the item of a statement `box.append(item)`."""
    if arg.keyword is not None or arg.star:
        return None
    call = body.parent_of(arg)
    if not isinstance(call, cst.Call) or not isinstance(body.parent_of(call), cst.Expr):
        return None
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    if func.attr.value not in FILL_METHODS or call.args[-1] is not arg:
        return None
    return func.value.value


def sink_of(body: Body, expr: cst.CSTNode) -> Sink:
    """Where the value of `expr` goes, looking through collecting literals."""
    node = _holder(body, expr)
    parent = body.parent_of(node)
    if isinstance(parent, cst.Expr):
        return Sink(SinkKind.DROPPED)
    if isinstance(parent, cst.Assign) and parent.value is node:
        targets = [target.target for target in parent.targets]
        if all(isinstance(target, cst.Name) for target in targets):
            return Sink(SinkKind.NAMES, tuple(t.value for t in targets if isinstance(t, cst.Name)))
        if len(targets) == 1:
            target = targets[0]
            if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
                return Sink(SinkKind.FILLS, (target.value.value,))
        return _OTHER
    if isinstance(parent, cst.AnnAssign) and parent.value is node and isinstance(parent.target, cst.Name):
        return Sink(SinkKind.NAMES, (parent.target.value,))
    if isinstance(parent, cst.Arg):
        box = _filled_container(body, parent)
        if box is not None:
            return Sink(SinkKind.FILLS, (box,))
    return _OTHER


def _fills_itself(body: Body, read: cst.Name) -> bool:
    """`read.append(x)` as a statement, or `read[k] = x`: fills, reads nothing."""
    attribute = body.parent_of(read)
    if isinstance(attribute, cst.Subscript) and attribute.value is read:
        return isinstance(body.parent_of(attribute), cst.AssignTarget)
    if not (isinstance(attribute, cst.Attribute) and attribute.value is read):
        return False
    if attribute.attr.value not in FILL_METHODS:
        return False
    call = body.parent_of(attribute)
    return isinstance(call, cst.Call) and call.func is attribute and isinstance(body.parent_of(call), cst.Expr)


def consumed(body: Body, names: Iterable[str], within: Optional[cst.CSTNode] = None) -> bool:
    """Whether a value held in `names` is ever read for real.

    Reads that only pass it on (`other = name`, `box.append(name)`) follow
    it to the new holder; a bare `name` statement or `name.append(...)` does
    not count. With `within`, only reads inside that node count. Globals,
    nonlocals and dynamic code count as consumed.
    """
    key = ("consumed", tuple(names), id(within))
    answer = body.memo.get(key)
    if answer is None:
        answer = body.memo[key] = _consumed(body, key[1], within)
    return bool(answer)


def _consumed(body: Body, names: Tuple[str, ...], within: Optional[cst.CSTNode]) -> bool:
    pending = list(names)
    seen: Set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if body.dynamic or not body.is_local(name):
            return True  # a parameter, global or closure variable: others may read it
        for read in body.own_reads(name):
            if within is not None and not body.inside(read, within):
                continue
            if _fills_itself(body, read):
                continue
            sink = sink_of(body, read)
            if sink.kind is SinkKind.DROPPED:
                continue
            if sink.kind is SinkKind.OTHER:
                return True
            pending.extend(sink.names)
    return False


def result_dropped(model: ModuleModel, site: CallSite) -> bool:
    """Whether the value of the call at `site` is certainly never read.

    A module-level name outside the `__main__` guard may be imported and
    read by another module: only a plain expression statement counts there.
    """
    if site.is_statement:
        return True
    body = body_for(model, site)
    if body is None:
        return False
    if site.scope.kind == "module" and not site.guarded:
        return sink_of(body, site.node).kind is SinkKind.DROPPED
    return not result_is_used(body, site.node)


def result_is_used(body: Body, call: cst.Call) -> bool:
    """Whether the value of `call` is read (chained, passed, bound and read...)."""
    sink = sink_of(body, call)
    if sink.kind is SinkKind.DROPPED:
        return False
    if sink.kind is SinkKind.OTHER:
        return True
    return consumed(body, sink.names)


# ------------------------------------------------------- `with Pool() as p:`


def pool_with_block(model: ModuleModel, body: Body, api: ApiCall) -> Optional[cst.With]:
    """The `with Pool() as p:` statement whose pool receives `p.method(...)`.

    The innermost enclosing `with` of the same function that binds the
    receiver's name (`as p`, or `with p:`) to a process pool; None otherwise.
    """
    call = api.site.node
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    receiver = func.value.value
    node: cst.CSTNode = call
    while True:
        parent = body.parent_of(node)
        if parent is None or isinstance(parent, _SCOPE_NODES):
            return None
        if isinstance(parent, cst.With) and parent.body is node and not parent.asynchronous:
            for item in parent.items:
                alias = item.asname.name if item.asname is not None else None
                binds = isinstance(alias, cst.Name) and alias.value == receiver
                names = isinstance(item.item, cst.Name) and item.item.value == receiver
                if binds or names:
                    value = model.value_of(item.item, api.site.scope)
                    if value.kind is Kind.POOL and value.family is Family.PICKLE:
                        return parent
                    return None
        node = parent


def _joined_inside(body: Body, block: cst.With, pool_name: str) -> bool:
    """`pool.join()` inside the block: every task finished before `__exit__`."""
    key = ("joined", id(block), pool_name)
    answer = body.memo.get(key)
    if answer is None:
        answer = body.memo[key] = _find_join(body, block, pool_name)
    return bool(answer)


def _find_join(body: Body, block: cst.With, pool_name: str) -> bool:
    for read in body.own_reads(pool_name):
        attribute = body.parent_of(read)
        if isinstance(attribute, cst.Attribute) and attribute.value is read and attribute.attr.value == "join":
            call = body.parent_of(attribute)
            if isinstance(call, cst.Call) and call.func is attribute and body.inside(call, block.body):
                return True
    return False


def outlives_pool(model: ModuleModel, api: ApiCall) -> bool:
    """An `*_async` result of a `with Pool() as p:` pool not waited for inside it.

    True when the result is dropped, or held only in names (and lists) that
    are not read inside the block, and the block does not `join()` the pool.
    """
    receiver = api.receiver
    if receiver is None or receiver.kind is not Kind.POOL or receiver.family is not Family.PICKLE:
        return False
    if api.method not in POOL_ASYNC_METHODS:
        return False
    body = body_for(model, api.site)
    if body is None:
        return False
    block = pool_with_block(model, body, api)
    if block is None:
        return False
    func = api.site.node.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return False
    if _joined_inside(body, block, func.value.value):
        return False
    sink = sink_of(body, api.site.node)
    if sink.kind is SinkKind.DROPPED:
        return True
    if sink.kind is SinkKind.OTHER:
        return False
    return not consumed(body, sink.names, within=block.body)
