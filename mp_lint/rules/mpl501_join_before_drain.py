"""MPL501 join-before-drain."""

from __future__ import annotations

import bisect
from typing import Dict, Iterator, List, Optional, Set, Tuple, cast

import libcst as cst

from mp_lint.model import ModuleModel
from mp_lint.model.apis import Family, Kind
from mp_lint.model.flow import FILL_METHODS, Body, body_for, body_of
from mp_lint.model.module import BindingKind, CallSite, ClassInfo, FunctionInfo, Scope, call_argument
from mp_lint.rules.base import Report, Rule

#: multiprocessing channels whose writer blocks once the OS pipe is full.
_CHANNELS = frozenset({"Queue", "SimpleQueue", "JoinableQueue", "Pipe"})
#: what a child calls to write into a channel.
_WRITES = frozenset({"put", "put_nowait", "send", "send_bytes"})
#: calls on a channel that neither read it nor hand it to a reader.
_NOT_DRAINING = _WRITES | {"close", "join_thread", "cancel_join_thread", "empty", "qsize", "full", "join"}

#: what stands between a name and the call it is an argument of.
_ARGUMENT_WRAPPERS = (cst.Element, cst.Tuple, cst.List, cst.Arg, cst.DictElement, cst.Dict)

_Constructor = Tuple[cst.Call, Scope]
#: each argument a child receives, with the methods it calls on it (None: unknown).
_Uses = List[Tuple[cst.BaseExpression, Optional[Set[str]]]]


def _uses_of_parameter(body: Body, name: str) -> Optional[Set[str]]:
    """The methods called on parameter `name` in a function, None if it escapes."""
    methods: Set[str] = set()
    for read in body.own_reads(name):
        attribute = body.parent_of(read)
        if isinstance(attribute, cst.Attribute) and attribute.value is read:
            call = body.parent_of(attribute)
            if isinstance(call, cst.Call) and call.func is attribute:
                methods.add(attribute.attr.value)
                continue
        return None  # passed on, stored, iterated...: the analysis cannot tell
    return methods


class _Analysis:
    """The facts MPL501 gathers for one module, memoized per name and body.

    Rules are asked per `join()` call; a function with thousands of joins
    must not redo the per-name work each time.
    """

    def __init__(self, model: ModuleModel) -> None:
        self.model = model
        #: answers already computed, keyed by question and subject.
        self.memo: Dict[Tuple[object, ...], object] = {}
        self._child_uses: Dict[int, _Uses] = {}

    # -------------------------------------------------------- processes
    def is_process_constructor(self, call: cst.Call, scope: Scope) -> bool:
        """`Process(...)`, `ctx.Process(...)` or a module subclass of Process."""
        value = self.model.value_of(call.func, scope)
        return value.kind is Kind.PROCESS_CLASS and value.family is Family.PICKLE

    def may_be_process(self, name: cst.Name, scope: Scope) -> bool:
        """Cheap pre-check: `name` is bound by a loop or to a Process constructor."""
        key = ("may", name.value, id(scope))
        answer = self.memo.get(key)
        if answer is None:
            answer = self.memo[key] = any(
                binding.kind is BindingKind.OTHER
                or (
                    binding.kind is BindingKind.ASSIGN
                    and isinstance(binding.expr, cst.Call)
                    and self.is_process_constructor(binding.expr, binding.scope)
                )
                for binding in self.model.lookup(name.value, scope) or []
            )
        return bool(answer)

    def _constructors_of_name(self, name: str, scope: Scope, every: bool) -> List[_Constructor]:
        """Process constructors assigned to `name` (`p = Process(...)`).

        With `every`, [] unless every binding of the name is one: a loop
        variable or a parameter of the same name may be what is used.
        """
        key = ("ctors", name, id(scope), every)
        cached = self.memo.get(key)
        if cached is None:
            bindings = self.model.lookup(name, scope) or []
            found: List[_Constructor] = []
            for binding in bindings:
                if binding.kind is BindingKind.ASSIGN and binding.unpack_index is None and not binding.from_with:
                    expr = binding.expr
                    if isinstance(expr, cst.Call) and self.is_process_constructor(expr, binding.scope):
                        found.append((expr, binding.scope))
            if every and len(found) != len(bindings):
                found = []
            cached = self.memo[key] = found
        return cast(List[_Constructor], cached)

    def constructors_in(self, expr: cst.BaseExpression, scope: Scope, body: Body, depth: int = 0) -> List[_Constructor]:
        """Process constructors of the items of a list of processes."""
        if depth > 2:
            return []
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            elt = expr.elt
            if isinstance(elt, cst.Call) and self.is_process_constructor(elt, scope):
                return [(elt, scope)]
            return []
        if isinstance(expr, (cst.List, cst.Tuple)):
            found: List[_Constructor] = []
            for element in expr.elements:
                item = element.value
                if isinstance(item, cst.Call) and self.is_process_constructor(item, scope):
                    found.append((item, scope))
                elif isinstance(item, cst.Name):
                    found.extend(self._constructors_of_name(item.value, scope, every=False))
            return found
        if isinstance(expr, cst.Name):
            binding = self.model.binding_of(expr.value, scope)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.unpack_index is not None:
                return []
            value = binding.expr
            if value is None:
                return []
            found = self.constructors_in(value, binding.scope, body, depth + 1)
            if isinstance(value, cst.List) and not value.elements:
                found = found + self._appended(expr.value, binding.scope, body)
            return found
        return []

    def _appended(self, name: str, scope: Scope, body: Body) -> List[_Constructor]:
        """Process constructors appended to the list `name` (`procs.append(p)`)."""
        key = ("appended", name, id(scope), id(body))
        cached = self.memo.get(key)
        if cached is not None:
            return cast(List[_Constructor], cached)
        found: List[_Constructor] = []
        names: Set[str] = set()
        for read in body.own_reads(name):
            attribute = body.parent_of(read)
            if not isinstance(attribute, cst.Attribute) or attribute.value is not read:
                continue
            if attribute.attr.value not in FILL_METHODS:
                continue
            call = body.parent_of(attribute)
            if not isinstance(call, cst.Call) or not call.args or call.func is not attribute:
                continue
            item = call.args[-1].value
            if isinstance(item, cst.Call) and self.is_process_constructor(item, scope):
                found.append((item, scope))
            elif isinstance(item, cst.Name) and item.value not in names:
                names.add(item.value)
                found.extend(self._constructors_of_name(item.value, scope, every=False))
        self.memo[key] = found
        return found

    def joined(self, site: CallSite, body: Body, receiver: cst.Name) -> Tuple[Tuple[object, ...], List[_Constructor]]:
        """A key and the constructors of the process(es) `receiver.join()` waits for."""
        node: cst.CSTNode = site.node
        while True:  # `for p in procs: p.join()`: the loop says what p is
            parent = body.parent_of(node)
            if parent is None or isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                break
            if isinstance(parent, cst.For) and parent.body is node:
                target = parent.target
                if isinstance(target, cst.Name) and target.value == receiver.value:
                    iterable = parent.iter
                    key: Tuple[object, ...] = ("list", id(iterable))
                    if isinstance(iterable, cst.Name):
                        key = ("list", iterable.value, id(site.scope))
                    cached = self.memo.get(key)
                    if cached is None:
                        cached = self.memo[key] = self.constructors_in(iterable, site.scope, body)
                    return key, cast(List[_Constructor], cached)
            node = parent
        found = self._constructors_of_name(receiver.value, site.scope, every=True)
        if len(found) > 1:
            # `p = Process(...)` several times: the nearest one above the join.
            ordered = self._in_order(receiver.value, site.scope, body, found)
            index = bisect.bisect_left(ordered[0], body.position(site.node)) - 1
            if index < 0:
                return ("none",), []
            found = [ordered[1][index]]
        if not found:
            return ("none",), []
        return ("process", id(found[0][0])), found

    def _in_order(
        self, name: str, scope: Scope, body: Body, found: List[_Constructor]
    ) -> Tuple[List[int], List[_Constructor]]:
        """The constructors of `name` sorted by position, with the positions."""
        key = ("ordered", name, id(scope), id(body))
        cached = self.memo.get(key)
        if cached is None:
            pairs = sorted(((body.position(call), (call, where)) for call, where in found), key=lambda p: p[0])
            cached = self.memo[key] = ([position for position, _ in pairs], [ctor for _, ctor in pairs])
        return cast(Tuple[List[int], List[_Constructor]], cached)

    # ------------------------------------------------------------ child
    def child_uses(self, constructor: cst.Call, scope: Scope) -> _Uses:
        """Each argument the child receives, with the methods it calls on it.

        `Process(target=f, args=(...), kwargs={...})` maps arguments to the
        parameters of `f`; a `Process` subclass of this module maps them to
        `__init__` parameters stored in `self.x` and used in `run()`.
        """
        key = id(constructor)
        cached = self._child_uses.get(key)
        if cached is None:
            cached = self._child_uses[key] = self._compute_child_uses(constructor, scope)
        return cached

    def _compute_child_uses(self, constructor: cst.Call, scope: Scope) -> _Uses:
        klass = self._module_class(constructor.func, scope)
        if klass is not None and "run" in klass.methods:
            return self._subclass_uses(constructor, klass)
        if klass is not None and "__init__" in klass.methods:
            return []  # a custom __init__ without run(): arguments go who knows where
        target_expr = call_argument(constructor, 1, "target")
        target = self.model.function_called(target_expr, scope) if target_expr is not None else None
        if target is None or target.klass is not None:
            return []
        pairs = _arguments_to_parameters(constructor_args(constructor), target, skip_self=False)
        body = body_of(self.model, target.node)
        return [(expr, _uses_of_parameter(body, param)) for expr, param in pairs]

    def _module_class(self, func: cst.BaseExpression, scope: Scope) -> Optional[ClassInfo]:
        if not isinstance(func, cst.Name):
            return None
        binding = self.model.binding_of(func.value, scope)
        if binding is not None and binding.kind is BindingKind.CLASS and isinstance(binding.definition, ClassInfo):
            return binding.definition
        return None

    def _subclass_uses(self, constructor: cst.Call, klass: ClassInfo) -> _Uses:
        init = klass.methods.get("__init__")
        run = klass.methods["run"]
        if init is None:
            return []
        pairs = _arguments_to_parameters(
            [(arg.value, arg.keyword.value if arg.keyword else None) for arg in constructor.args if not arg.star],
            init,
            skip_self=True,
        )
        if any(arg.star for arg in constructor.args):
            return []
        init_body = body_of(self.model, init.node)
        run_body = body_of(self.model, run.node)
        uses: _Uses = []
        for expr, param in pairs:
            attribute = _stored_as(init_body, param)
            if attribute is None:
                uses.append((expr, None))
                continue
            uses.append((expr, _uses_of_self_attribute(run_body, attribute)))
        return uses


def constructor_args(constructor: cst.Call) -> List[Tuple[cst.BaseExpression, Optional[str]]]:
    """`(expr, keyword)` pairs of `Process(args=(...), kwargs={...})`; [] if not literal."""
    pairs: List[Tuple[cst.BaseExpression, Optional[str]]] = []
    args = call_argument(constructor, 3, "args")
    if isinstance(args, (cst.Tuple, cst.List)):
        for element in args.elements:
            if not isinstance(element, cst.Element):
                break  # `*rest`: later positions are unknown
            pairs.append((element.value, None))
    kwargs = call_argument(constructor, 4, "kwargs")
    if isinstance(kwargs, cst.Dict):
        for item in kwargs.elements:
            if isinstance(item, cst.DictElement) and isinstance(item.key, cst.SimpleString):
                key = item.key.evaluated_value
                if isinstance(key, str):
                    pairs.append((item.value, key))
    return pairs


def _arguments_to_parameters(
    arguments: List[Tuple[cst.BaseExpression, Optional[str]]], function: FunctionInfo, skip_self: bool
) -> List[Tuple[cst.BaseExpression, str]]:
    params = function.node.params
    positional = [p.name.value for p in list(params.posonly_params) + list(params.params)]
    if skip_self:
        positional = positional[1:]
    named = set(positional) | {p.name.value for p in params.kwonly_params}
    pairs: List[Tuple[cst.BaseExpression, str]] = []
    index = 0
    for expr, keyword in arguments:
        if keyword is None:
            if index < len(positional):
                pairs.append((expr, positional[index]))
            index += 1
        elif keyword in named:
            pairs.append((expr, keyword))
    return pairs


def _stored_as(init_body: Body, param: str) -> Optional[str]:
    """`x` when `__init__` does `self.x = param`."""
    for read in init_body.own_reads(param):
        assign = init_body.parent_of(read)
        if isinstance(assign, cst.Assign) and assign.value is read and len(assign.targets) == 1:
            target = assign.targets[0].target
            if isinstance(target, cst.Attribute) and _is_self(target.value):
                return target.attr.value
    return None


def _is_self(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "self"


def _uses_of_self_attribute(run_body: Body, attribute: str) -> Optional[Set[str]]:
    """Methods `run()` calls on `self.<attribute>`, None if it escapes."""
    methods: Set[str] = set()
    for read in run_body.reads.get("self", ()):
        node = run_body.parent_of(read)
        if not (isinstance(node, cst.Attribute) and node.value is read and node.attr.value == attribute):
            continue
        method = run_body.parent_of(node)
        call = run_body.parent_of(method) if method is not None else None
        is_call = isinstance(call, cst.Call) and call.func is method
        if isinstance(method, cst.Attribute) and method.value is node and is_call:
            methods.add(method.attr.value)
            continue
        return None
    return methods


def _writes(uses: Optional[Set[str]]) -> bool:
    """The child puts into the channel, and does not opt out of flushing it."""
    return uses is not None and bool(uses & _WRITES) and "cancel_join_thread" not in uses


class JoinBeforeDrain(Rule):
    """What it does:
    Flags `p.join()` on a `multiprocessing.Process` whose child puts into a
    `multiprocessing` Queue, SimpleQueue, JoinableQueue or Pipe connection
    received through `args=`/`kwargs=` (or a `Process` subclass's
    `__init__`), when the parent has not read from that channel before the
    join: the `get()`/`recv()` comes after it, or never. Processes joined in
    `for p in procs:` are followed to the list they come from (a
    comprehension, a literal or `procs.append(Process(...))`).

    Why is this bad?
    A child that has put data waits, before it exits, until the data has
    been written into the underlying OS pipe (the Queue's feeder thread; a
    Pipe's `send` blocks directly). Once the pipe is full it waits for the
    parent to read, while the parent waits in `join()` for the child:
    deadlock. Small payloads fit in the buffer, which is why this passes
    tests (observed: a Queue hangs at 100 KB, a default Pipe at 500 KB, a
    SimpleQueue at 200 KB).

    Not reported: `Manager().Queue()` proxies (they never block the child),
    `queue.Queue`, `join(timeout)`, a join after `terminate()`/`kill()`,
    children that call `cancel_join_thread()`. Deliberately silent when the
    analysis cannot tell: the parent touches the channel before the join in
    any way other than writing or closing it (passes it to a function, a
    thread or a reading process), the channel is a global or a parameter
    (another function may drain it), or the child is out of sight (a method
    or `partial` as target, a function of another module, a child that
    passes the channel on).

    Example:
        q = Queue()
        p = Process(target=produce, args=(q,))
        p.start()
        p.join()
        data = q.get()

    Use instead:
        q = Queue()
        p = Process(target=produce, args=(q,))
        p.start()
        data = q.get()
        p.join()

    Fix safety:
    There is no automatic fix: `mp-lint --fix` leaves the code as it is, and the
    message says what to change.
    """

    code = "MPL501"
    name = "join-before-drain"

    def check(self, model: ModuleModel) -> Iterator[Report]:
        analysis: Optional[_Analysis] = None
        for site in model.calls:
            func = site.node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "join" and isinstance(func.value, cst.Name)):
                continue
            if site.node.args:
                continue  # join(timeout): returns, does not deadlock
            if analysis is None:
                analysis = _Analysis(model)
            if not analysis.may_be_process(func.value, site.scope):
                continue  # a thread, a pool, a parameter...: no need to index the body
            body = body_for(model, site)
            if body is None:
                continue
            finding = self._check_join(analysis, site, body, func.value)
            if finding is not None:
                yield finding

    def _check_join(self, analysis: _Analysis, site: CallSite, body: Body, receiver: cst.Name) -> Optional[Report]:
        position = body.position(site.node)
        if _first_stop(analysis, body, receiver.value) < position:
            return None  # terminate()/kill() first: the child does not wait for its queue
        key, constructors = analysis.joined(site, body, receiver)
        for names, channel in _written_channels(analysis, key, constructors, site.scope):
            if _first_drain(analysis, body, names, site.scope) < position:
                continue
            drain = "recv" if channel == "Pipe" else "get"
            return self.report(site.node, what=channel, drain=drain)
        return None


_NEVER = 1 << 62  # a position after every node


def _written_channels(
    analysis: _Analysis, key: Tuple[object, ...], constructors: List[_Constructor], scope: Scope
) -> List[Tuple[Tuple[str, ...], str]]:
    """The parent's names for each channel the children write to, and its kind."""
    memo_key = ("written", key, id(scope))
    cached = analysis.memo.get(memo_key)
    if cached is not None:
        return cast(List[Tuple[Tuple[str, ...], str]], cached)
    model = analysis.model
    found: Dict[Tuple[str, ...], str] = {}
    for constructor, ctor_scope in constructors:
        for expr, uses in analysis.child_uses(constructor, ctor_scope):
            if not _writes(uses) or not isinstance(expr, cst.Name):
                continue
            channel = model.value_of(expr, ctor_scope)
            if channel.kind is not Kind.SYNC or channel.family is not Family.PICKLE:
                continue
            if channel.name not in _CHANNELS:
                continue  # a Lock, Event...: nothing to drain
            if scope.kind != "module" and expr.value not in scope.bindings:
                continue  # a global or outer channel: another function may drain it
            found.setdefault(tuple(_channel_names(model, expr, ctor_scope)), channel.name)
    result = list(found.items())
    analysis.memo[memo_key] = result
    return result


def _first_stop(analysis: _Analysis, body: Body, receiver: str) -> int:
    """Position of the first `receiver.terminate()` / `.kill()` in the body."""
    key = ("stop", id(body), receiver)
    cached = analysis.memo.get(key)
    if cached is None:
        first = _NEVER
        for read in body.own_reads(receiver):
            attribute = body.parent_of(read)
            if not (isinstance(attribute, cst.Attribute) and attribute.value is read):
                continue
            if attribute.attr.value in ("terminate", "kill"):
                first = min(first, body.position(read))
        cached = analysis.memo[key] = first
    return cast(int, cached)


def _channel_names(model: ModuleModel, expr: cst.Name, scope: Scope) -> List[str]:
    """The parent's names for a channel: both ends of a `Pipe()`."""
    binding = model.binding_of(expr.value, scope)
    if binding is None or binding.unpack_index is None or binding.expr is None:
        return [expr.value]
    names = [
        name
        for name, bindings in binding.scope.bindings.items()
        if any(b.expr is binding.expr and b.unpack_index is not None for b in bindings)
    ]
    return names or [expr.value]


def _first_drain(analysis: _Analysis, body: Body, names: Tuple[str, ...], scope: Scope) -> int:
    """Position of the first read of the channel that may take data out of it."""
    key = ("drain", id(body), names)
    cached = analysis.memo.get(key)
    if cached is None:
        first = _NEVER
        for name in names:
            for read in body.reads.get(name, ()):  # `_is_non_draining` sorts out other scopes
                position = body.position(read)
                if position < first and not _is_non_draining(analysis, body, read, name, scope):
                    first = position
        cached = analysis.memo[key] = first
    return cast(int, cached)


def _is_non_draining(analysis: _Analysis, body: Body, read: cst.Name, name: str, scope: Scope) -> bool:
    """A read of the channel's name that cannot take data out of it."""
    if not body.is_own(read):
        return True  # another function's own variable of the same name
    parent = body.parent_of(read)
    if isinstance(parent, cst.Attribute) and parent.value is read:
        call = body.parent_of(parent)
        return isinstance(call, cst.Call) and call.func is parent and parent.attr.value in _NOT_DRAINING
    return _handed_to_writer(analysis, body, read, scope)


def _handed_to_writer(analysis: _Analysis, body: Body, read: cst.Name, scope: Scope) -> bool:
    """`read` is an argument of a Process whose child only writes to it."""
    node: cst.CSTNode = read
    for _ in range(6):  # Name -> Element -> Tuple -> Arg -> Call, or via a dict
        parent = body.parent_of(node)
        if parent is None:
            return False
        if isinstance(parent, cst.Call):
            if not analysis.is_process_constructor(parent, scope):
                return False
            for expr, uses in analysis.child_uses(parent, scope):
                if expr is read:
                    return uses is not None and uses <= _NOT_DRAINING
            return False
        if not isinstance(parent, _ARGUMENT_WRAPPERS):
            return False
        node = parent
    return False
