"""A fast walk over libcst children that skips whitespace and punctuation.

libcst's visitor protocol rebuilds every node it visits; the model only needs
to read, so it iterates dataclass fields directly, caching per node type the
fields that can hold code.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, FrozenSet, List, Set, Tuple, Type

import libcst as cst

# Fields that hold only whitespace, punctuation or operators, never code.
_SKIPPED_PREFIXES = (
    "whitespace", "lpar", "rpar", "comma", "semicolon", "colon", "equal",
    "leading", "lines_after", "trailing", "header", "footer", "empty_lines",
    "comment", "newline", "operator", "dot", "lbracket", "rbracket", "lbrace",
    "rbrace", "indent", "separator", "posonly_ind", "first_colon",
    "second_colon",
)

_FIELDS: Dict[Type[cst.CSTNode], Tuple[str, ...]] = {}


def _all_node_types() -> FrozenSet[type]:
    found: Set[type] = set()
    stack: List[type] = [cst.CSTNode]
    while stack:
        node_type = stack.pop()
        if node_type not in found:
            found.add(node_type)
            stack.extend(node_type.__subclasses__())
    return frozenset(found)


#: Every libcst node class. Exact-type lookups here are an order of
#: magnitude cheaper than isinstance(), which goes through ABCMeta.
NODE_TYPES = _all_node_types()


def _code_fields(node_type: Type[cst.CSTNode]) -> Tuple[str, ...]:
    names = tuple(
        f.name
        for f in dataclasses.fields(node_type)
        if not f.name.startswith(_SKIPPED_PREFIXES)
    )
    _FIELDS[node_type] = names
    return names


def child_nodes(node: cst.CSTNode) -> List[cst.CSTNode]:
    """The children of `node` that may contain code, in no particular order."""
    node_type = type(node)
    names = _FIELDS.get(node_type)
    if names is None:
        names = _code_fields(node_type)
    children: List[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        value_type = type(value)
        if value_type in NODE_TYPES:
            children.append(value)
        elif value_type is list or value_type is tuple:
            for item in value:
                if type(item) in NODE_TYPES:
                    children.append(item)
    return children
