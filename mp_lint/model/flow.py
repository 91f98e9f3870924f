"""Where results go: dropped, bound and read, or held past a pool's `with` block.

The rules about lost results ask where a call's value goes (dropped, bound
to a name, appended to a list), whether a name holding it is read again,
and whether a `with Pool()` block ends before it is waited for. Each answer
is read from the function's `FunctionBody` (see `mp_lint.model.body`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import FrozenSet, Iterable, Optional, Set, Tuple

import libcst as cst

from mp_lint.model.apis import Family, Kind
from mp_lint.model.body import FILL_METHODS, FunctionBody, body_for
from mp_lint.model.module import ApiCall, CallSite, ModuleModel

#: Pool methods returning an AsyncResult; executor methods returning a Future.
POOL_ASYNC_METHODS = frozenset({"apply_async", "map_async", "starmap_async"})
EXECUTOR_ASYNC_METHODS = frozenset({"submit"})

_SCOPE_NODES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


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


def _holder(body: FunctionBody, node: cst.CSTNode) -> cst.CSTNode:
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


def _filled_container(body: FunctionBody, arg: cst.Arg) -> Optional[str]:
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


def sink_of(body: FunctionBody, expr: cst.CSTNode) -> Sink:
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


def _fills_itself(body: FunctionBody, read: cst.Name) -> bool:
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


@dataclass(frozen=True)
class Unread:
    """Uses of a held result that do not read it (MPL401): its exception stays unseen."""

    #: methods whose call reveals nothing (`r.wait()`, `r.ready()`, `f.done()`).
    methods: FrozenSet[str] = frozenset()
    #: ids of calls whose arguments are not read (`concurrent.futures.wait(fs)` as a statement).
    calls: FrozenSet[int] = frozenset()
    #: `for r in results:` passes each element on to `r` (follow `r`).
    follow_loops: bool = False


_READS_ALL = Unread()


def consumed(
    body: FunctionBody, names: Iterable[str], within: Optional[cst.CSTNode] = None, unread: Unread = _READS_ALL
) -> bool:
    """Whether a value held in `names` is ever read for real.

    Reads that only pass it on (`other = name`, `box.append(name)`) follow
    it to the new holder; a bare `name` statement or `name.append(...)` does
    not count, nor do the uses `unread` lists. With `within`, only reads
    inside that node count. Globals, nonlocals and dynamic code count as
    consumed.
    """
    key = ("consumed", tuple(names), id(within), unread)
    answer = body.memo.get(key)
    if answer is None:
        answer = body.memo[key] = _consumed(body, tuple(names), within, unread)
    return bool(answer)


def _not_a_read(body: FunctionBody, read: cst.Name, unread: Unread) -> bool:
    parent = body.parent_of(read)
    if isinstance(parent, cst.Attribute) and parent.value is read and parent.attr.value in unread.methods:
        call = body.parent_of(parent)
        return isinstance(call, cst.Call) and call.func is parent
    if isinstance(parent, cst.Arg) and parent.value is read and unread.calls:
        return id(body.parent_of(parent)) in unread.calls
    return False


def _loop_target(body: FunctionBody, read: cst.Name) -> Optional[str]:
    """`r` when `read` is the iterable of `for r in read:` (statement or comprehension)."""
    parent = body.parent_of(read)
    if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is read and isinstance(parent.target, cst.Name):
        return parent.target.value
    return None


def _consumed(body: FunctionBody, names: Tuple[str, ...], within: Optional[cst.CSTNode], unread: Unread) -> bool:
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
            if _fills_itself(body, read) or _not_a_read(body, read, unread):
                continue
            target = _loop_target(body, read) if unread.follow_loops else None
            if target is not None:
                pending.append(target)
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
    decided, body = _decided_by_place(model, site)
    if decided is not None or body is None:
        return bool(decided)
    return not result_is_used(body, site.node)


def _decided_by_place(model: ModuleModel, site: CallSite) -> Tuple[Optional[bool], Optional[FunctionBody]]:
    """Whether the result at `site` is dropped, when where the call stands decides it; else its body.

    A whole expression statement drops it; in a lambda or class body nothing
    is known (not dropped); at module level outside the `__main__` guard a
    name may be imported and read elsewhere, so only a drop counts.
    """
    if site.is_statement:
        return True, None
    body = body_for(model, site)
    if body is None:
        return False, None
    if site.scope.kind == "module" and not site.guarded:
        return sink_of(body, site.node).kind is SinkKind.DROPPED, None
    return None, body


#: AsyncResult and Future methods that never raise the worker's exception.
_POOL_UNREAD = frozenset({"wait", "ready"})
_FUTURE_UNREAD = frozenset({"done", "running", "cancelled", "cancel"})


def result_never_read(model: ModuleModel, api: ApiCall) -> bool:
    """Whether nothing ever asks the result of an async submission for its outcome.

    Like `result_dropped`, and also when the result is only waited for
    (`r.wait()`, `r.ready()`, `f.done()`, `concurrent.futures.wait(fs)` as a
    statement), element by element through `for r in results:` too.
    `.get()`, `.successful()`, `.result()`, `.exception()`, `as_completed`,
    a return or any other use still count as reading it.
    """
    site = api.site
    decided, body = _decided_by_place(model, site)
    if decided is not None or body is None:
        return bool(decided)
    sink = sink_of(body, site.node)
    if sink.kind is not SinkKind.DROPPED and sink.kind is not SinkKind.OTHER:
        receiver = api.receiver
        methods = _POOL_UNREAD if receiver is not None and receiver.kind is Kind.POOL else _FUTURE_UNREAD
        return not consumed(body, sink.names, unread=Unread(methods, _dropped_waits(model, site), True))
    return sink.kind is SinkKind.DROPPED


def _dropped_waits(model: ModuleModel, site: CallSite) -> FrozenSet[int]:
    """`concurrent.futures.wait(...)` statements in the function of `site` (cached per function)."""
    key = f"flow.waits.{id(site.function)}"
    cached: Optional[FrozenSet[int]] = model.derived.get(key)
    if cached is None:
        sites = site.function.calls if site.function is not None else model.calls
        cached = model.derived[key] = frozenset(
            id(other.node)
            for other in sites
            if other.is_statement and model.value_of(other.node.func, other.scope).name == "concurrent.futures.wait"
        )
    return cached


def result_is_used(body: FunctionBody, call: cst.Call) -> bool:
    """Whether the value of `call` is read (chained, passed, bound and read...)."""
    sink = sink_of(body, call)
    if sink.kind is SinkKind.DROPPED:
        return False
    if sink.kind is SinkKind.OTHER:
        return True
    return consumed(body, sink.names)


# ------------------------------------------------------- `with Pool() as p:`


def pool_with_block(model: ModuleModel, body: FunctionBody, api: ApiCall) -> Optional[cst.With]:
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


def _joined_inside(body: FunctionBody, block: cst.With, pool_name: str) -> bool:
    """`pool.join()` inside the block: every task finished before `__exit__`."""
    key = ("joined", id(block), pool_name)
    answer = body.memo.get(key)
    if answer is None:
        answer = body.memo[key] = _find_join(body, block, pool_name)
    return bool(answer)


def _find_join(body: FunctionBody, block: cst.With, pool_name: str) -> bool:
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
