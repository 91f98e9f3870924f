"""The modules a linted file imports, read once per process, and their summaries.

`Project` resolves a dotted name to a function of another module (following
re-exports of package `__init__` files, `from x import *` included, at
most MAX_HOPS of them), decides whether that module can start processes at
all (its text mentions a process API, or a module it imports does, at most
MAX_DEPTH modules further), and only then parses it with libcst, builds its
model and summarises the one function asked for (`mp_lint.model.summaries`).
A summary follows calls into further modules MAX_DEPTH levels deep; the
limits are fixed, so a result never depends on which file was linted first.

Everything is kept per process; with the cache on, module facts and function
summaries are also kept on disk (`mp_lint.model.summary_cache`).
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

from mp_lint.config import Config
from mp_lint.model.imports import (
    Exports,
    Place,
    absolute_name,
    exports_of,
    imported_names,
    module_file,
    place_of,
    process_text_filter,
    read_module,
    used_imported_names,
)
from mp_lint.model.summary_types import EMPTY, Summary
from mp_lint.model.summary_cache import SummaryCache, deps_unchanged, file_stamp

if TYPE_CHECKING:
    from mp_lint.model.module import FunctionInfo, ModuleModel

#: Modules followed beyond the one whose function the linted file calls.
MAX_DEPTH = 2
#: Re-exports (`from .impl import f` in a package) followed for one name.
MAX_HOPS = 4
#: Models of other modules kept in memory at once (their summaries are kept regardless).
MAX_MODELS = 8


@dataclass
class ModuleFacts:
    """What one imported module is, from its text (cheap) and, when asked, its model."""

    path: str
    stamp: Tuple[int, int]
    place: Place
    #: its text passes the process-API filter.
    local: bool
    #: absolute names its imports may bring in.
    imports: List[str]
    #: read with Python's parser when first needed (resolving a name through the module).
    parsed_exports: Optional[Exports] = None
    summaries: Dict[str, Summary] = field(default_factory=dict)
    #: files of the modules it imports (`Project._children`).
    children: Optional[List[str]] = None
    summarizers: Dict[int, Any] = field(default_factory=dict)

    def to_json(self) -> Dict[str, object]:
        return {
            "local": self.local,
            "imports": self.imports,
            "exports": None if self.parsed_exports is None else _exports_json(self.parsed_exports),
        }


class Project:
    """Per-process knowledge of imported modules, for one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._words, self._imports = process_text_filter(config.extra_process_apis)
        self.cache = SummaryCache(config.use_cache, ",".join(sorted(config.extra_process_apis)))
        self._facts: Dict[str, Optional[ModuleFacts]] = {}
        self._interest: Dict[Tuple[str, int], bool] = {}
        self._models: Dict[str, Optional["ModuleModel"]] = {}
        self._depth = 0

    # ----------------------------------------------------------------- facts
    def facts(self, path: str) -> Optional[ModuleFacts]:
        if path in self._facts:
            return self._facts[path]
        facts = self._read_facts(path)
        self._facts[path] = facts
        return facts

    def _read_facts(self, path: str) -> Optional[ModuleFacts]:
        stamp = file_stamp(path)
        if stamp is None:
            return None
        place = place_of(path)
        data = self.cache.load(path, stamp)
        if data is not None:
            try:
                return _facts_from_json(path, stamp, place, data)
            except (KeyError, TypeError, ValueError, IndexError):
                pass
        source = read_module(path)
        if source is None:
            return None
        local = self._words.search(source) is not None and self._imports.search(source) is not None
        imports = [name for name in (absolute_name(n, place.package) for n in imported_names(source)) if name]
        facts = ModuleFacts(path, stamp, place, local, list(dict.fromkeys(imports)))
        self.cache.store(path, stamp, facts.to_json())
        return facts

    def exports(self, facts: ModuleFacts) -> Exports:
        """The module's top-level imports and definitions, parsed once."""
        if facts.parsed_exports is None:
            source = read_module(facts.path)
            facts.parsed_exports = exports_of(source, facts.place.package) if source is not None else Exports()
            self.cache.store(facts.path, facts.stamp, facts.to_json())
        return facts.parsed_exports

    def interesting(self, path: str, budget: int) -> bool:
        """Whether the module may start processes: itself, or `budget` imports away."""
        key = (path, budget)
        if key in self._interest:
            return self._interest[key]
        self._interest[key] = False  # an import cycle adds nothing
        facts = self.facts(path)
        found = facts is not None and (
            facts.local
            or (budget > 0 and any(self.interesting(child, budget - 1) for child in self._children(facts)))
        )
        self._interest[key] = found
        return found

    def _children(self, facts: ModuleFacts) -> List[str]:
        """The files of the modules `facts` imports, once per module.

        From an installed package, only modules of the same package are
        followed (their import graphs are large and reach a process API of
        their own only through it); from the user's project, any.
        """
        if facts.children is None:
            installed = _is_installed(facts.path)
            own = facts.place.source_root + os.sep
            found: List[str] = []
            for name in facts.imports:
                child = module_file(name, facts.place)
                if child is None or child == facts.path or child in found:
                    continue
                same_package = child.startswith(own) and _top_folder(child, own) == _top_folder(facts.path, own)
                if installed and not same_package:
                    continue
                found.append(child)
            facts.children = found
        return facts.children

    def reaches_processes(self, names: List[str], place: Place) -> bool:
        """The text pre-filter of a linted file: may one of its imports start processes?"""
        for name in names:
            absolute = absolute_name(name, place.package)
            path = module_file(absolute, place) if absolute else None
            if path is not None and self.interesting(path, MAX_DEPTH + 1):
                return True
        return False

    # ------------------------------------------------------------ functions
    def resolve(self, dotted: str, place: Place) -> Optional[Tuple[ModuleFacts, str]]:
        """The module and top-level function an absolute dotted name is."""
        seen: Set[Tuple[str, str]] = set()
        pending = [(dotted, place)]
        for _ in range(MAX_HOPS + 1):
            if not pending:
                return None
            name, where = pending.pop(0)
            module, _, function = name.rpartition(".")
            path = module_file(module, where) if module else None
            facts = self.facts(path) if path else None
            if facts is None or (path, function) in seen:
                continue
            seen.add((facts.path, function))
            if function in self.exports(facts).defined:
                # A class or a variable is not summarised: nothing to follow.
                return (facts, function) if function in self.exports(facts).functions else None
            target = self.exports(facts).names.get(function)
            if target is not None:
                pending.append((target, facts.place))
            else:
                pending += [(f"{star}.{function}", facts.place) for star in self.exports(facts).stars]
        return None

    def summary(self, dotted: str, place: Place, budget: int = MAX_DEPTH) -> Optional[Tuple[Summary, str]]:
        """The summary of the function `dotted` names (absolute), with its file."""
        found = self.resolve(dotted, place)
        if found is None:
            return None
        facts, function = found
        self._depth += 1
        try:
            summary = self._summary_of(facts, function, budget)
        finally:
            self._depth -= 1
            if not self._depth:
                self._release()
        own = (facts.path, facts.stamp[0], facts.stamp[1])
        return Summary(
            summary.starts, summary.starts_if, summary.hands, summary.hands_if, summary.returns_pool,
            summary.deps + [own],
        ), facts.path

    def _release(self) -> None:
        """Drop the trees of other modules once the linted file's question is answered.

        flake8 lints thousands of files in one process; a tree kept alive
        grows memory and slows every later garbage collection. The texts,
        facts and summaries stay.
        """
        self._models.clear()
        for facts in self._facts.values():
            if facts is not None:
                facts.summarizers.clear()

    def _summary_of(self, facts: ModuleFacts, function: str, budget: int) -> Summary:
        key = f"{function}@{budget}"
        summary = facts.summaries.get(key)
        if summary is None:
            stored = self.cache.load(facts.path, facts.stamp, key)
            try:
                summary = Summary.from_json(stored) if stored is not None else None
            except (KeyError, TypeError, ValueError, IndexError):
                summary = None  # an entry of another layout: rebuilt
        if summary is not None and not deps_unchanged(summary.deps):
            summary = None
        if summary is None:
            summary = self._summarize(facts, function, budget)
            self.cache.store(facts.path, facts.stamp, summary.to_json(), key)
        facts.summaries[key] = summary
        return summary

    def may_start(self, facts: ModuleFacts, function: str, budget: int, seen: Optional[Set[str]] = None) -> bool:
        """Read from Python's tree: can `function` reach a process API at all?

        It uses a name that spells one (`multiprocessing`, `ProcessPoolExecutor`,
        a name imported from them), calls a function of its module that does,
        or uses a name imported from a module that may start processes.
        Only then is the module parsed with libcst.
        """
        seen = set() if seen is None else seen
        if function in seen:
            return False
        seen.add(function)
        for name in self.exports(facts).uses.get(function, ()):
            target = self.exports(facts).names.get(name, "")
            if self._words.search(name) or self._words.search(target):
                return True
            if name in self.exports(facts).functions and self.may_start(facts, name, budget, seen):
                return True
            if target and budget > 0:
                child = module_file(target.rpartition(".")[0], facts.place) or module_file(target, facts.place)
                if child is not None and child != facts.path and self.interesting(child, budget - 1):
                    return True
        return False

    def _summarize(self, facts: ModuleFacts, function: str, budget: int) -> Summary:
        if not self.interesting(facts.path, budget) or not self.may_start(facts, function, budget):
            return EMPTY
        summarizer = facts.summarizers.get(budget)
        if summarizer is None:
            model = self._model(facts.path)
            if model is None:
                return EMPTY

            def imported(name: str) -> Optional[Tuple[Summary, str]]:
                absolute = absolute_name(name, facts.place.package)
                if budget <= 0 or absolute is None:
                    return None
                return self.summary(absolute, facts.place, budget - 1)

            from mp_lint.model.summaries import Summarizer

            summarizer = facts.summarizers[budget] = Summarizer(model, facts.path, imported)
        info = _top_level_function(summarizer.model, function)
        summary = EMPTY if info is None else summarizer.of(info)
        # The tree is dropped after this question: summarise, now, the other
        # functions of the module that may start processes, so that the module
        # is parsed once per process.
        for other in sorted(self.exports(facts).functions - {function}):
            key = f"{other}@{budget}"
            other_info = _top_level_function(summarizer.model, other)
            if key in facts.summaries or other_info is None or not self.may_start(facts, other, budget):
                continue
            facts.summaries[key] = summarizer.of(other_info)
            self.cache.store(facts.path, facts.stamp, facts.summaries[key].to_json(), key)
        return summary

    def _model(self, path: str) -> Optional["ModuleModel"]:
        """The model of another module, built once per process (None if it does not parse)."""
        if path in self._models:
            self._models[path] = self._models.pop(path)  # most recently used last
            return self._models[path]
        from mp_lint.model.build import build_model
        from mp_lint.model.apis import Catalogue
        from mp_lint.parsing import parse_module

        model: Optional["ModuleModel"] = None
        source = read_module(path)
        if source is not None:
            import libcst as cst

            try:
                tree = ast.parse(source)
                model = build_model(parse_module(source, tree), Catalogue(self.config.extra_process_apis))
            except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
                model = None
        self._models[path] = model
        while len(self._models) > MAX_MODELS:
            evicted = next(iter(self._models))
            del self._models[evicted]
            facts = self._facts.get(evicted)
            if facts is not None:
                facts.summarizers.clear()  # their summaries stay; the trees go
        return model


def _top_level_function(model: "ModuleModel", name: str) -> Optional["FunctionInfo"]:
    from mp_lint.model.module import BindingKind, FunctionInfo
    bindings = model.module_scope.bindings.get(name)
    if not bindings or len(bindings) != 1 or bindings[0].kind is not BindingKind.DEF:
        return None
    info = bindings[0].definition
    return info if isinstance(info, FunctionInfo) else None


def _is_installed(path: str) -> bool:
    return "site-packages" in path or "dist-packages" in path


def _top_folder(path: str, root: str) -> str:
    return path[len(root):].split(os.sep, 1)[0]


def _exports_json(exports: Exports) -> Dict[str, object]:
    return {
        "names": exports.names,
        "stars": exports.stars,
        "defined": sorted(exports.defined),
        "functions": sorted(exports.functions),
        "uses": exports.uses,
    }


def _exports_from_json(data: Dict[str, object]) -> Exports:
    names, stars, defined, functions, uses = (data[k] for k in ("names", "stars", "defined", "functions", "uses"))
    assert isinstance(names, dict) and isinstance(stars, list) and isinstance(defined, list)
    assert isinstance(functions, list) and isinstance(uses, dict)
    return Exports(
        {str(k): str(v) for k, v in names.items()}, [str(s) for s in stars], frozenset(map(str, defined)),
        frozenset(map(str, functions)), {str(k): [str(i) for i in v] for k, v in uses.items()},
    )


def _facts_from_json(path: str, stamp: Tuple[int, int], place: Place, data: Dict[str, object]) -> ModuleFacts:
    imports = data["imports"]
    exports = data.get("exports")
    assert isinstance(imports, list)
    facts = ModuleFacts(path, stamp, place, bool(data["local"]), [str(i) for i in imports])
    facts.parsed_exports = _exports_from_json(exports) if isinstance(exports, dict) else None
    return facts


_PROJECTS: Dict[Config, Project] = {}


def may_reach(
    source: str, filename: str, config: Config, tree: Optional[ast.AST] = None, interactive: bool = False
) -> bool:
    """Pre-filter for a file that names no process API itself: does it use an imported
    function that starts processes, returns a pool or hands a parameter to a child?

    First by text (may an import reach a module that mentions a process API?),
    then with Python's tree of the file (`tree`, else parsed here): the
    summaries of the imported functions it calls. Only then is the file
    parsed with libcst.
    """
    if not os.path.isfile(filename):
        return False
    names = imported_names(source)
    place = place_of(filename)
    project = project_for(config)
    if not names or not project.reaches_processes(names, place):
        return False
    if not isinstance(tree, ast.Module):
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    for name in used_imported_names(tree, place.package, interactive):
        found = project.summary(name, place)
        if found is not None and not found[0].is_empty():
            return True
    return False


def project_for(config: Config) -> Project:
    """The per-process project knowledge for `config`."""
    project = _PROJECTS.get(config)
    if project is None:
        project = _PROJECTS[config] = Project(config)
    return project
