"""The single walk that builds a `ModuleModel`.

The walk records scopes and their bindings, functions and classes, and every
call site with the context the rules need (does it run at import time, is it
under the `__main__` guard, inside a loop...).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Tuple, Union

import libcst as cst

from mp_lint.model.apis import Catalogue
from mp_lint.model.guard import main_guard_polarity
from mp_lint.model.module import ModuleModel
from mp_lint.model.scopes import (
    Binding,
    BindingKind,
    CallSite,
    ClassInfo,
    FunctionInfo,
    IterationSite,
    Scope,
    dotted_name,
    positional_argument,
)
from mp_lint.model.walk import child_nodes


def _catches_runtime_error(handlers: Iterable[Union[cst.ExceptHandler, cst.ExceptStarHandler]]) -> bool:
    for handler in handlers:
        kinds = handler.type
        if kinds is None:
            return True
        exprs = [element.value for element in kinds.elements] if isinstance(kinds, cst.Tuple) else [kinds]
        for expr in exprs:
            dotted = dotted_name(expr)
            if dotted and dotted.rpartition(".")[2] in ("RuntimeError", "Exception", "BaseException"):
                return True
    return False


def _import_qualname(module: Optional[Union[cst.Attribute, cst.Name]], relative: int) -> Optional[str]:
    if relative or module is None:
        return None  # relative imports are this project's own modules
    return dotted_name(module)


@dataclass(frozen=True)
class _Context:
    scope: Scope
    function: Optional[FunctionInfo]
    at_import: bool
    guarded: bool
    catches_runtime_error: bool
    in_loop: bool


class _Builder:
    """Fills a ModuleModel in one walk over the statements and expressions."""

    def __init__(self, model: ModuleModel) -> None:
        self.model = model

    # statements ------------------------------------------------------
    def block(self, body: Iterable[cst.CSTNode], ctx: _Context) -> None:
        for statement in body:
            self.statement(statement, ctx)

    def suite(self, suite: cst.BaseSuite, ctx: _Context) -> None:
        self.block(suite.body, ctx)

    def statement(self, node: cst.CSTNode, ctx: _Context) -> None:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self.small_statement(small, ctx)
        elif isinstance(node, cst.BaseSmallStatement):  # `def f(x): return g(x)` on one line
            self.small_statement(node, ctx)
        elif isinstance(node, cst.FunctionDef):
            self.function_def(node, ctx)
        elif isinstance(node, cst.ClassDef):
            self.class_def(node, ctx)
        elif isinstance(node, cst.If):
            self.if_statement(node, ctx)
        elif isinstance(node, (cst.For, cst.While)):
            if isinstance(node, cst.For):
                self.expressions(node.iter, ctx)
                self.iteration(node.iter, ctx)
                if isinstance(node.target, cst.Name):
                    loop_variable = Binding(BindingKind.OTHER, ctx.scope, iterates=node.iter, guarded=ctx.guarded)
                    ctx.scope.bind(node.target.value, loop_variable)
                else:
                    self.bind_target(node.target, ctx, None)
            else:
                self.expressions(node.test, ctx)
            loop_ctx = _replace(ctx, in_loop=True)
            self.suite(node.body, loop_ctx)
            if node.orelse is not None:
                self.suite(node.orelse.body, ctx)
        elif isinstance(node, cst.With):
            for item in node.items:
                self.expressions(item.item, ctx)
                if isinstance(item.item, cst.Call):
                    self.model.with_items.add(id(item.item))
                if item.asname is not None:
                    self.bind_target(item.asname.name, ctx, item.item, from_with=True)
            self.suite(node.body, ctx)
        elif isinstance(node, (cst.Try, cst.TryStar)):
            catches = _catches_runtime_error(node.handlers)
            self.suite(node.body, _replace(ctx, catches_runtime_error=ctx.catches_runtime_error or catches))
            for handler in node.handlers:
                if handler.type is not None:
                    self.expressions(handler.type, ctx)
                if handler.name is not None:
                    self.bind_target(handler.name.name, ctx, None)
                self.suite(handler.body, ctx)
            if node.orelse is not None:
                self.suite(node.orelse.body, ctx)
            if node.finalbody is not None:
                self.suite(node.finalbody.body, ctx)
        elif isinstance(node, cst.Match):
            self.expressions(node.subject, ctx)
            for case in node.cases:
                self.expressions(case.pattern, ctx)
                if case.guard is not None:
                    self.expressions(case.guard, ctx)
                self.suite(case.body, ctx)
        elif isinstance(node, cst.BaseCompoundStatement):
            # Anything newer than this walk knows: still find its calls.
            self.expressions(node, ctx)

    def if_statement(self, node: cst.If, ctx: _Context) -> None:
        self.expressions(node.test, ctx)
        polarity = main_guard_polarity(node.test) if ctx.at_import else None
        self.suite(node.body, _replace(ctx, guarded=True) if polarity is True else ctx)
        orelse = node.orelse
        if orelse is None:
            return
        else_ctx = _replace(ctx, guarded=True) if polarity is False else ctx
        if isinstance(orelse, cst.If):
            self.if_statement(orelse, else_ctx)
        else:
            self.suite(orelse.body, else_ctx)

    def small_statement(self, node: cst.BaseSmallStatement, ctx: _Context) -> None:
        if isinstance(node, cst.Expr):
            value = node.value
            if isinstance(value, cst.Call):
                self.expressions(value, ctx, statement_call=value)
                _record_append(value, ctx.scope)
            else:
                self.expressions(value, ctx)
        elif isinstance(node, cst.Assign):
            self.expressions(node.value, ctx)
            for target in node.targets:
                self.bind_target(target.target, ctx, node.value)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.expressions(node.value, ctx)
            self.expressions(node.annotation, ctx)
            self.bind_target(node.target, ctx, node.value)
        elif isinstance(node, cst.AugAssign):
            self.expressions(node.value, ctx)
            self.bind_target(node.target, ctx, None)
        elif isinstance(node, cst.Import):
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if dotted is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    binding = Binding(BindingKind.IMPORT, ctx.scope, qualname=dotted, guarded=ctx.guarded)
                    ctx.scope.bind(alias.asname.name.value, binding)
                else:
                    top = dotted.partition(".")[0]
                    ctx.scope.bind(top, Binding(BindingKind.IMPORT, ctx.scope, qualname=top, guarded=ctx.guarded))
        elif isinstance(node, cst.ImportFrom):
            module = _import_qualname(node.module, len(node.relative))
            if isinstance(node.names, cst.ImportStar):
                return
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if dotted is None:
                    continue
                local = dotted
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                if module is None:
                    ctx.scope.bind(local, Binding(BindingKind.OTHER, ctx.scope, guarded=ctx.guarded))
                else:
                    binding = Binding(BindingKind.IMPORT, ctx.scope, qualname=f"{module}.{dotted}", guarded=ctx.guarded)
                    ctx.scope.bind(local, binding)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            if isinstance(node, cst.Global):
                ctx.scope.global_names.update(item.name.value for item in node.names)
        else:
            self.expressions(node, ctx)

    def function_def(self, node: cst.FunctionDef, ctx: _Context) -> None:
        for decorator in node.decorators:
            self.expressions(decorator.decorator, ctx)
        outer = ctx.scope
        klass = outer.klass if outer.kind == "class" else None
        is_local = _inside_function(outer)
        scope = Scope("function", outer)
        info = FunctionInfo(node, node.name.value, scope, outer, is_local, klass)
        scope.function = info
        self.model.functions.append(info)
        outer.bind(node.name.value, Binding(BindingKind.DEF, outer, definition=info, guarded=ctx.guarded))
        if klass is not None:
            klass.methods[node.name.value] = info
        self.parameters(node.params, ctx, scope)
        if node.returns is not None:
            self.expressions(node.returns.annotation, ctx)
        inner = _Context(scope, info, False, False, False, False)
        self.suite(node.body, inner)

    def parameters(self, params: cst.Parameters, ctx: _Context, scope: Scope) -> None:
        every = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
        for extra in (params.star_arg, params.star_kwarg):
            if isinstance(extra, cst.Param):
                every.append(extra)
        for param in every:
            annotation = param.annotation.annotation if param.annotation is not None else None
            if annotation is not None:
                self.expressions(annotation, ctx)
            if param.default is not None:
                self.expressions(param.default, ctx)
            scope.bind(param.name.value, Binding(BindingKind.PARAM, ctx.scope, expr=annotation))

    def class_def(self, node: cst.ClassDef, ctx: _Context) -> None:
        for decorator in node.decorators:
            self.expressions(decorator.decorator, ctx)
        for base in node.bases:
            self.expressions(base.value, ctx)
        for keyword in node.keywords:
            self.expressions(keyword.value, ctx)
        outer = ctx.scope
        scope = Scope("class", outer)
        info = ClassInfo(node, node.name.value, scope, outer, _inside_function(outer))
        scope.klass = info
        self.model.classes.append(info)
        outer.bind(node.name.value, Binding(BindingKind.CLASS, outer, definition=info, guarded=ctx.guarded))
        # A class body runs where the class statement runs.
        self.suite(node.body, _replace(ctx, scope=scope))

    # targets ---------------------------------------------------------
    def bind_target(
        self,
        target: cst.BaseExpression,
        ctx: _Context,
        value: Optional[cst.BaseExpression],
        *,
        from_with: bool = False,
        unpack_index: Optional[int] = None,
    ) -> None:
        scope = ctx.scope
        if isinstance(target, cst.Name):
            if value is None:
                binding = Binding(BindingKind.OTHER, scope, guarded=ctx.guarded)
            else:
                binding = Binding(
                    BindingKind.ASSIGN, scope, expr=value, unpack_index=unpack_index, from_with=from_with,
                    guarded=ctx.guarded,
                )
            scope.bind(target.value, binding)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for index, element in enumerate(target.elements):
                if isinstance(element, cst.StarredElement):
                    self.bind_target(element.value, ctx, None)
                else:
                    self.bind_target(element.value, ctx, value, unpack_index=index)
        elif isinstance(target, cst.Attribute):
            self.expressions(target.value, ctx)
            if target.attr.value == "daemon" and isinstance(target.value, cst.Name):
                self.model.daemon_assignments.append((scope, target.value.value, value))
            function = ctx.function
            if (
                isinstance(target.value, cst.Name)
                and target.value.value == "self"
                and function is not None
                and function.klass is not None
            ):
                binding = (
                    Binding(BindingKind.ASSIGN, scope, expr=value, unpack_index=unpack_index, from_with=from_with)
                    if value is not None
                    else Binding(BindingKind.OTHER, scope)
                )
                function.klass.attributes.setdefault(target.attr.value, []).append(binding)
        elif isinstance(target, cst.StarredElement):
            self.bind_target(target.value, ctx, None)
        else:
            self.expressions(target, ctx)

    # expressions -----------------------------------------------------
    def expressions(self, root: cst.CSTNode, ctx: _Context, statement_call: Optional[cst.Call] = None) -> None:
        """Record the calls, lambdas and walrus bindings below `root`.

        Iterative, because expressions nest far deeper than statements.
        """
        model = self.model
        stack: List[Tuple[cst.CSTNode, _Context]] = [(root, ctx)]
        pop = stack.pop
        push = stack.append
        while stack:
            node, here = pop()
            node_type = type(node)
            if node_type in _LEAF_TYPES:
                continue
            if node_type is cst.Call:
                site = CallSite(
                    node,  # type: ignore[arg-type]
                    here.scope,
                    here.at_import,
                    here.guarded,
                    here.catches_runtime_error,
                    here.in_loop,
                    node is statement_call,
                    here.function,
                )
                model.calls.append(site)
                if here.function is not None:
                    here.function.calls.append(site)
                func = node.func  # type: ignore[attr-defined]
                if type(func) is cst.Name and func.value in _ITERATING_BUILTINS:
                    first = positional_argument(node, 0)  # type: ignore[arg-type]
                    if first is not None:
                        self.iteration(first, here)
            elif node_type is cst.Lambda:
                assert isinstance(node, cst.Lambda)
                scope = Scope("lambda", here.scope, function=here.function)
                self.parameters(node.params, here, scope)
                push((node.body, _Context(scope, None, False, False, False, False)))
                continue
            elif node_type is cst.NamedExpr:
                assert isinstance(node, cst.NamedExpr)
                target_scope = here.scope
                if isinstance(node.target, cst.Name):
                    walrus = Binding(BindingKind.ASSIGN, target_scope, expr=node.value, guarded=here.guarded)
                    target_scope.bind(node.target.value, walrus)
            elif node_type is cst.CompFor:
                assert isinstance(node, cst.CompFor)
                # Comprehension variables shadow outer names: make those ambiguous.
                self._bind_loose(node.target, here.scope)
                self.iteration(node.iter, here)
                if not here.in_loop:
                    here = _replace(here, in_loop=True)
            elif node_type in _COMPREHENSION_TYPES and not here.in_loop:
                here = _replace(here, in_loop=True)
            for child in child_nodes(node):
                push((child, here))

    def iteration(self, expr: cst.BaseExpression, ctx: _Context) -> None:
        """Record that `expr` is iterated where `ctx` runs."""
        self.model.iterations.append(IterationSite(expr, ctx.scope, ctx.at_import, ctx.guarded, ctx.function))

    def _bind_loose(self, target: cst.BaseExpression, scope: Scope) -> None:
        if isinstance(target, cst.Name):
            scope.bind(target.value, Binding(BindingKind.OTHER, scope))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_loose(element.value, scope)


#: Nodes with no code below them.
#: Builtins that iterate their (first) argument at once.
_ITERATING_BUILTINS = frozenset({"iter", "list", "tuple", "enumerate", "zip", "sorted", "set", "next"})

_LEAF_TYPES = frozenset(
    {cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis, cst.Pass, cst.Break, cst.Continue}
)
_COMPREHENSION_TYPES = frozenset({cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp})


def _record_append(call: cst.Call, scope: Scope) -> None:
    """`items.append(x)` on a list literal bound once in this scope: remember `x`."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "append" and isinstance(func.value, cst.Name)):
        return
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return
    bindings = scope.bindings.get(func.value.value)
    if bindings and len(bindings) == 1 and isinstance(bindings[0].expr, cst.List):
        bindings[0].appended.append(call.args[0].value)


def _inside_function(scope: Scope) -> bool:
    current: Optional[Scope] = scope
    while current is not None:
        if current.is_function_like:
            return True
        current = current.parent
    return False


def _replace(ctx: _Context, **changes: Any) -> _Context:
    return dataclasses.replace(ctx, **changes)


def build_model(
    module: cst.Module, catalogue: Catalogue, default_start_method: str = "spawn", interactive: bool = False
) -> ModuleModel:
    """Walk `module` once and return its model."""
    model = ModuleModel(module, catalogue, default_start_method, interactive)
    ctx = _Context(model.module_scope, None, True, False, False, False)
    _Builder(model).block(module.body, ctx)
    return model
