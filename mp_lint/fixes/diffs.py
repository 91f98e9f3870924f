"""Unified diffs of a file before and after its fixes, quick on large files too.

`difflib` looks for the longest matching block again and again; on a
10,000-line module with a thousand fixes that took seconds. Below `LARGE`
lines the diff is `difflib.unified_diff`'s own, line for line. From there
on, lines that occur once in each text and in the same order (a patience
diff's anchors: `def job_17(...)`, a comment, a call) are matched first,
and `difflib` matches only the short stretches between two anchors. The
result is a valid unified diff of the same texts (`patch` turns one into
the other), though not always the very hunks `difflib` would pick.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections import Counter
from typing import Iterator, List, Sequence, Tuple

#: Lines (both texts together) from which the anchored matching is used.
LARGE = 4000


def unified_diff(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str, n: int = 3) -> Iterator[str]:
    """The lines of a unified diff from `a` to `b` (lines with their endings), as `difflib.unified_diff`."""
    if len(a) + len(b) < LARGE:
        yield from difflib.unified_diff(a, b, fromfile, tofile, n=n)
        return
    matcher = _AnchoredMatcher(None, a, b, autojunk=False)
    started = False
    for group in matcher.get_grouped_opcodes(n):
        if not started:
            started = True
            yield f"--- {fromfile}\n"
            yield f"+++ {tofile}\n"
        first, last = group[0], group[-1]
        yield f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for line in a[i1:i2]:
                    yield " " + line
                continue
            if tag in ("replace", "delete"):
                for line in a[i1:i2]:
                    yield "-" + line
            if tag in ("replace", "insert"):
                for line in b[j1:j2]:
                    yield "+" + line


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (`difflib`'s own rule)."""
    beginning, length = start + 1, stop - start
    if length == 1:
        return f"{beginning}"
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


class _AnchoredMatcher(difflib.SequenceMatcher):  # type: ignore[type-arg]
    """`SequenceMatcher` whose matching blocks start from lines unique to both sides."""

    def set_seq2(self, b: Sequence[str]) -> None:
        # No index of the whole of `b`: only the stretches between anchors are matched by difflib.
        self.b = b
        self.matching_blocks = self.opcodes = None
        self.fullbcount = None

    def get_matching_blocks(self) -> List[difflib.Match]:
        if self.matching_blocks is not None:
            return self.matching_blocks
        a, b = self.a, self.b  # type: ignore[attr-defined]
        blocks: List[Tuple[int, int, int]] = []
        previous_i = previous_j = 0
        for i, j in _anchors(a, b):
            blocks.extend(_gap(a, b, previous_i, i, previous_j, j))
            blocks.append((i, j, 1))
            previous_i, previous_j = i + 1, j + 1
        blocks.extend(_gap(a, b, previous_i, len(a), previous_j, len(b)))
        merged: List[difflib.Match] = []
        for i, j, size in blocks:
            if merged and merged[-1].a + merged[-1].size == i and merged[-1].b + merged[-1].size == j:
                last = merged.pop()
                merged.append(difflib.Match(last.a, last.b, last.size + size))
            elif size:
                merged.append(difflib.Match(i, j, size))
        merged.append(difflib.Match(len(a), len(b), 0))
        self.matching_blocks = merged  # type: ignore[assignment]
        return merged


def _anchors(a: Sequence[str], b: Sequence[str]) -> List[Tuple[int, int]]:
    """Pairs (i, j) of lines unique in `a` and in `b`, the longest run increasing in both."""
    count_a, count_b = Counter(a), Counter(b)
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a) if count_a[line] == 1 and line in where_b]
    # Longest increasing subsequence of the j's (patience sorting, with back links).
    tops: List[int] = []  # the j ending the best run of each length
    ends: List[int] = []  # index into pairs of that end
    back: List[int] = []
    for index, (_, j) in enumerate(pairs):
        length = bisect_left(tops, j)
        if length == len(tops):
            tops.append(j)
            ends.append(index)
        else:
            tops[length] = j
            ends[length] = index
        back.append(ends[length - 1] if length else -1)
    chain: List[Tuple[int, int]] = []
    index = ends[-1] if ends else -1
    while index >= 0:
        chain.append(pairs[index])
        index = back[index]
    chain.reverse()
    return chain


def _gap(a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int) -> List[Tuple[int, int, int]]:
    """The matching blocks between two anchors, found by `difflib`."""
    if alo >= ahi or blo >= bhi:
        return []
    matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
    return [(alo + i, blo + j, size) for i, j, size in matcher.get_matching_blocks() if size]
