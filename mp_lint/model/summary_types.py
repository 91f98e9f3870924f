"""The plain data of function summaries (no libcst here: the cache and the
pre-filter read them without loading the analysis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple


@dataclass(frozen=True)
class Evidence:
    """Where, in some module, a child process is started or handed a callable."""

    api: str  # "Pool.map()", "Process(target=)", "Pool()"; "map()" while the class is a parameter
    file: str
    line: int
    role: str  # Role value, or "start"
    family: str  # Family value
    start_method: Optional[str] = None

    def to_json(self) -> List[object]:
        return [self.api, self.file, self.line, self.role, self.family, self.start_method]

    @staticmethod
    def from_json(data: List[object]) -> "Evidence":
        api, file, line, role, family, method = data
        method_text = None if method is None else str(method)
        return Evidence(str(api), str(file), int(str(line)), str(role), str(family), method_text)

    def with_class(self, name: str) -> "Evidence":
        return Evidence(f"{name}.{self.api}", self.file, self.line, self.role, self.family, self.start_method)


@dataclass
class Summary:
    """What a call of one function does, in terms of its parameter slots."""

    starts: Optional[Evidence] = None
    #: class slot -> a start, when that slot holds a process pool class.
    starts_if: Dict[str, Evidence] = field(default_factory=dict)
    #: slot -> the hand-off to a child it reaches.
    hands: Dict[str, Evidence] = field(default_factory=dict)
    #: slot -> class slot -> hand-off, when that class slot holds a process pool class.
    hands_if: Dict[str, Dict[str, Evidence]] = field(default_factory=dict)
    #: the function returns a started pool or manager.
    returns_pool: Optional[Evidence] = None
    #: other files the summary relied on: [path, size, mtime_ns].
    deps: List[Tuple[str, int, int]] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.starts or self.starts_if or self.hands or self.hands_if or self.returns_pool)

    def to_json(self) -> Dict[str, object]:
        return {
            "starts": self.starts.to_json() if self.starts else None,
            "starts_if": {k: v.to_json() for k, v in self.starts_if.items()},
            "hands": {k: v.to_json() for k, v in self.hands.items()},
            "hands_if": {k: {c: v.to_json() for c, v in d.items()} for k, d in self.hands_if.items()},
            "returns_pool": self.returns_pool.to_json() if self.returns_pool else None,
            "deps": [list(dep) for dep in self.deps],
        }

    @staticmethod
    def from_json(data: Dict[str, object]) -> "Summary":
        def one(value: object) -> Optional[Evidence]:
            return Evidence.from_json(value) if isinstance(value, list) else None

        def table(value: object) -> Dict[str, Evidence]:
            return {str(k): Evidence.from_json(v) for k, v in value.items()} if isinstance(value, dict) else {}

        hands_if = data.get("hands_if")
        deps = data.get("deps")
        return Summary(
            one(data.get("starts")),
            table(data.get("starts_if")),
            table(data.get("hands")),
            {str(k): table(v) for k, v in hands_if.items()} if isinstance(hands_if, dict) else {},
            one(data.get("returns_pool")),
            [(str(d[0]), int(d[1]), int(d[2])) for d in deps] if isinstance(deps, list) else [],
        )


EMPTY = Summary()
