"""Which source file an import names, found without importing or running anything.

A linted file's own project is searched first: the folder above its
topmost package (its source root), then the project folder (the nearest
folder above it with a `pyproject.toml`, `setup.py`, `setup.cfg` or `.git`)
and its `src/`. A script's own folder comes first (it heads `sys.path` when the script
runs). Installed packages come next: the import system's finders for a
top-level name (as `importlib.util.find_spec` asks them; this imports
nothing), then the file system for each dotted part below it, through the
package's search path.

What is not followed: the standard library, the process APIs themselves
(their meaning is in `mp_lint.model.apis`), libraries that pickle by value
(joblib, loky, dask, ray...), compiled or unreadable modules, and modules
larger than MAX_MODULE_BYTES (generated code).
"""

from __future__ import annotations

import ast
import importlib.machinery
import importlib.util
import os
import re
import sys
import sysconfig
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, Iterable, List, Optional, Pattern, Set, Tuple

from mp_lint.model.apis import PREFILTER_WORDS

#: Larger modules are taken for generated code and not read.
MAX_MODULE_BYTES = 400_000

#: Top-level packages never read: their meaning is in the catalogue, they
#: pickle by value (RULES.md "Which APIs count"), or they are far too large.
NOT_FOLLOWED: FrozenSet[str] = frozenset(getattr(sys, "stdlib_module_names", ())) | frozenset(
    {
        "multiprocessing", "concurrent", "billiard", "multiprocess", "pathos", "torch",
        "joblib", "loky", "dask", "distributed", "ray", "cloudpickle", "dill", "mp_lint",
    }
)

_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")

# Import statements anywhere in a file; a parenthesised list may span lines.
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n#;]*)|import[ \t]+([^\n#;]+))",
    re.MULTILINE,
)
_WORD = re.compile(r"[A-Za-z_][\w.]*")

# Same test as the engine's text pre-filter, for a module that is imported.
_PROCESS_IMPORT_ROOTS = ("multiprocess", "concurrent", "billiard", "pathos", "torch")


def process_text_filter(extra_process_apis: Iterable[str]) -> Tuple[Pattern[str], Pattern[str]]:
    """Words and import statements without which a source uses no process API."""
    extra = sorted(set(extra_process_apis))
    words = list(PREFILTER_WORDS) + [name.rpartition(".")[2] for name in extra]
    roots = list(_PROCESS_IMPORT_ROOTS) + [name.partition(".")[0] for name in extra]
    return (
        re.compile("|".join(re.escape(w) for w in words if w)),
        re.compile(
            r"^[ \t]*(?:from|import)[ \t][^\n]*?\b(?:%s)" % "|".join(re.escape(r) for r in roots if r), re.MULTILINE
        ),
    )


@dataclass(frozen=True)
class Place:
    """Where a file sits: the roots to search and the package it belongs to."""

    roots: Tuple[str, ...]
    #: dotted name of the file's package ("" outside any package).
    package: str
    #: the folder above the file's topmost package (its own folder outside packages).
    source_root: str = ""


_PLACES: Dict[str, Place] = {}


def place_of(filename: str) -> Place:
    """The search roots and package of the file `filename` (it need not exist)."""
    folder = os.path.dirname(os.path.abspath(filename))
    cached = _PLACES.get(folder)
    if cached is not None:
        return cached
    top = folder
    parts: List[str] = []
    for _ in range(32):
        if not os.path.isfile(os.path.join(top, "__init__.py")):
            break
        parts.append(os.path.basename(top))
        top = os.path.dirname(top)
    roots = [folder, top]  # a script's own folder is the first entry of sys.path when it runs
    ancestor = folder
    for _ in range(8):
        if any(os.path.exists(os.path.join(ancestor, marker)) for marker in _PROJECT_MARKERS):
            roots += [ancestor, os.path.join(ancestor, "src")]
            break
        parent = os.path.dirname(ancestor)
        if parent == ancestor:
            break
        ancestor = parent
    unique = tuple(dict.fromkeys(root for root in roots if os.path.isdir(root)))
    place = _PLACES[folder] = Place(unique, ".".join(reversed(parts)), top)
    return place


def absolute_name(name: str, package: str) -> Optional[str]:
    """`name` made absolute: `.utils.f` in package `a.b` is `a.b.utils.f`."""
    level = len(name) - len(name.lstrip("."))
    if not level:
        return name
    parts = package.split(".") if package else []
    if level - 1 > len(parts) or (not parts and level):
        return None  # beyond the top-level package
    base = parts[: len(parts) - (level - 1)]
    rest = name[level:]
    return ".".join(base + ([rest] if rest else [])) or None


_FOUND: Dict[Tuple[Tuple[str, ...], str], Optional[str]] = {}
_INSTALLED: Dict[str, Optional[str]] = {}


def module_file(dotted: str, place: Place) -> Optional[str]:
    """The `.py` file of module `dotted` seen from `place`, or None."""
    if not dotted or dotted.partition(".")[0] in NOT_FOLLOWED:
        return None
    key = (place.roots, dotted)
    if key in _FOUND:
        return _FOUND[key]
    found = _in_roots(dotted, place.roots)
    if found is None:
        if dotted not in _INSTALLED:
            _INSTALLED[dotted] = _installed(dotted)
        found = _INSTALLED[dotted]
    if found is not None and (not found.endswith(".py") or _in_standard_library(found)):
        found = None  # compiled, odd, or the standard library (Python < 3.10 has no list of its names)
    _FOUND[key] = found
    return found


_STDLIB = os.path.normcase(sysconfig.get_paths()["stdlib"]) + os.sep


def _in_standard_library(path: str) -> bool:
    path = os.path.normcase(path)
    return path.startswith(_STDLIB) and "site-packages" not in path and "dist-packages" not in path


_LISTINGS: Dict[str, FrozenSet[str]] = {}


def _listing(folder: str) -> FrozenSet[str]:
    """The names in `folder`, read once per process (a stat per import would cost more)."""
    names = _LISTINGS.get(folder)
    if names is None:
        try:
            names = frozenset(os.listdir(folder))
        except OSError:
            names = frozenset()
        _LISTINGS[folder] = names
    return names


def _in_roots(dotted: str, roots: Iterable[str]) -> Optional[str]:
    parts = dotted.split(".")
    for root in roots:
        folder = root
        for part in parts[:-1]:
            if part not in _listing(folder):
                break
            folder = os.path.join(folder, part)
        else:
            last = parts[-1]
            names = _listing(folder)
            if last in names and "__init__.py" in _listing(os.path.join(folder, last)):
                return os.path.join(folder, last, "__init__.py")
            if last + ".py" in names:
                return os.path.join(folder, last + ".py")
    return None


def _installed(dotted: str) -> Optional[str]:
    """Through the import system's finders, for the top-level name only."""
    top, _, rest = dotted.partition(".")
    try:
        spec = _find_top_level(top)
        for part in rest.split(".") if rest else ():
            locations = spec.submodule_search_locations if spec is not None else None
            if not locations:
                return None
            spec = importlib.machinery.PathFinder.find_spec(f"{spec.name}.{part}", list(locations))  # type: ignore
    except Exception:  # the finders are other code: a namespace package raises KeyError, for one
        return None
    if spec is None or not spec.has_location or not isinstance(spec.origin, str):
        return None
    return spec.origin


def _find_top_level(name: str) -> Optional[importlib.machinery.ModuleSpec]:
    """What `importlib.util.find_spec(name)` finds, minus the current folder.

    The finders of `sys.meta_path` are asked in turn (editable installs
    register their own), the path finder with `sys.path` less `''` and the
    current folder: where mp-lint is started from must not change what a
    file's import means.
    """
    here = os.getcwd()
    path = [entry for entry in sys.path if entry and os.path.abspath(entry) != here]
    for finder in sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec = find(name, path) if finder is importlib.machinery.PathFinder else find(name, None)
        if spec is not None:
            return spec  # type: ignore[no-any-return]
    return None


_TEXTS: Dict[str, Optional[str]] = {}


def read_module(path: str) -> Optional[str]:
    """The source of `path`, read once per process; None if unreadable or too large."""
    if path in _TEXTS:
        return _TEXTS[path]
    text: Optional[str] = None
    try:
        if os.path.getsize(path) <= MAX_MODULE_BYTES:
            with open(path, "rb") as handle:
                text = handle.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    _TEXTS[path] = text
    return text


def imported_names(source: str) -> List[str]:
    """Every name an import statement of `source` may bring in, over-approximated.

    `from a import b` gives `a` and `a.b` (b may be a submodule); relative
    names keep their dots.
    """
    names: List[str] = []
    for match in _IMPORT.finditer(source):
        module, listed, plain = match.group(1), match.group(2), match.group(3)
        if plain is not None:
            names += [word for word in _WORD.findall(plain) if word != "as"]
            continue
        names.append(module)
        sep = "" if module.endswith(".") else "."
        names += [module + sep + word for word in _WORD.findall(listed or "") if word != "as" and "." not in word]
    return names


@dataclass
class Exports:
    """What a module's top level imports, read with Python's own parser."""

    #: local name -> the absolute dotted name it was imported as.
    names: Dict[str, str] = field(default_factory=dict)
    #: modules re-exported whole by `from x import *`.
    stars: List[str] = field(default_factory=list)
    #: names the module defines itself (def, class, assignment).
    defined: FrozenSet[str] = frozenset()
    #: of those, the functions defined once with `def` (the only ones summarised).
    functions: FrozenSet[str] = frozenset()
    #: function -> the identifiers its body uses (names, attributes, what it imports).
    uses: Dict[str, List[str]] = field(default_factory=dict)


def exports_of(source: str, package: str) -> Exports:
    """The top-level imports and definitions of `source` (empty on a syntax error)."""
    exports = Exports()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return exports
    defined = set()
    assigned = set()
    functions: Dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = absolute_name("." * node.level + (node.module or ""), package)
            if base is None:
                continue
            for alias in node.names:
                if alias.name == "*":
                    exports.stars.append(base)
                else:
                    exports.names[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    exports.names[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    exports.names[top] = top
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined.add(node.name)
            if not isinstance(node, ast.ClassDef):
                functions[node.name] = functions.get(node.name, 0) + 1
                exports.uses[node.name] = _identifiers(node)
        elif isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            defined.update(names)
            assigned.update(names)
    exports.defined = frozenset(defined)
    exports.functions = frozenset(name for name, count in functions.items() if count == 1 and name not in assigned)
    for name in exports.defined:
        exports.names.pop(name, None)  # redefined after the import
    return exports


def _identifiers(function: ast.AST) -> List[str]:
    """Every name, attribute and imported dotted name used below `function`."""
    found = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(f"{node.module or ''}.{alias.name}" for alias in node.names)
    return sorted(found)


def module_package(path: str, dotted: str) -> str:
    """The package a module's relative imports start from."""
    return dotted if os.path.basename(path) == "__init__.py" else dotted.rpartition(".")[0]


def _chain(node: ast.AST) -> Optional[List[str]]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return list(reversed(parts))
    return None


def _runs_at_import(tree: ast.Module) -> List[ast.Call]:
    """Calls in top-level code outside defs, classes and `if __name__ ...` blocks."""
    found: List[ast.Call] = []
    stack: List[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and "__name__" in {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}:
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Call):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def used_imported_names(tree: ast.Module, package: str, interactive: bool = False) -> List[str]:
    """Absolute dotted names of imported callables used where a finding could come from.

    Read with Python's own tree, for the pre-filter: calls at import time
    outside the guard (and, when one of them calls a function of the file,
    every call), calls given a lambda or a function or class defined inside
    a function (in a notebook: any call), and names bound to an imported
    callable. `from u import pmap` then `pmap(...)` gives `u.pmap`; `import u`
    then `u.pmap(...)` too.
    """
    imported: Dict[str, str] = {}
    nested: Set[str] = set()
    calls: List[ast.Call] = []
    uses: List[List[str]] = []
    stack: List[Tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, in_function = stack.pop()
        if isinstance(node, ast.Call):
            calls.append(node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, (ast.Name, ast.Attribute)):
            chain = _chain(node.value)
            if chain:
                uses.append(chain)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_name("." * node.level + (node.module or ""), package)
            for alias in node.names:
                if base and alias.name != "*":
                    imported[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                imported[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and in_function:
            nested.add(node.name)
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    at_import = _runs_at_import(tree)
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if any(isinstance(call.func, ast.Name) and call.func.id in defined for call in at_import):
        wanted = calls  # an entry function of this file runs at import: any call may start processes
    else:
        wanted = at_import + [call for call in calls if interactive or _gets_local_callable(call, nested)]
    for call in wanted:
        chain = _chain(call.func)
        if chain:
            uses.append(chain)
    found: Dict[str, None] = {}
    for chain in uses:
        root = imported.get(chain[0])
        if root is not None and root.partition(".")[0] not in NOT_FOLLOWED:
            found[".".join([root] + chain[1:])] = None
    return list(found)


def _gets_local_callable(call: ast.Call, nested: Set[str]) -> bool:
    for value in [*call.args, *(keyword.value for keyword in call.keywords)]:
        for node in ast.walk(value):
            if isinstance(node, ast.Lambda) or (isinstance(node, ast.Name) and node.id in nested):
                return True
    return False
