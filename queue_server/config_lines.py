"""Find the line of a TOML value, so that a config error can say where it is.

`tomllib` reports line numbers only for syntax errors. For a semantic error (a desk serving an unknown
service) we know the key path, e.g. ("desks", 6, "services", "passport"), and look it up here by walking
the table headers: the nth `[[desks]]`, then the key inside that block.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY = r"^\s*\"?{key}\"?\s*="


def locate(text: str, path: tuple[str | int, ...]) -> int:
    """1-based line of the value at `path`; the closest enclosing line found if not exact."""
    lines = text.splitlines()
    start, end = 0, len(lines)
    prefix = ""
    line_found = 1
    index = 0
    while index < len(path):
        part = path[index]
        nxt = path[index + 1] if index + 1 < len(path) else None
        name = f"{prefix}.{part}" if prefix else str(part)
        if isinstance(nxt, int):
            block = _nth_header(lines, start, end, name, nxt)
            if block is None:
                break
            start, end = block
            line_found = start + 1
            prefix = name
            index += 2
            continue
        header = _nth_header(lines, start, end, name, 0, array=False)
        if header is not None:
            start, end = header
            line_found = start + 1
            prefix = name
            index += 1
            continue
        for number in range(start, end):
            if re.match(_KEY.format(key=re.escape(str(part))), lines[number]) or (
                f'"{part}"' in lines[number] or re.search(rf"\b{re.escape(str(part))}\s*=", lines[number])
            ):
                return number + 1
        break
    return line_found


def _nth_header(
    lines: list[str], start: int, end: int, name: str, nth: int, array: bool = True
) -> tuple[int, int] | None:
    seen = -1
    for number in range(start, end):
        match = _HEADER.match(lines[number])
        if not match or match.group(1) != name:
            continue
        is_array = lines[number].lstrip().startswith("[[")
        if is_array != array:
            continue
        seen += 1
        if seen == nth:
            return number, _block_end(lines, number + 1, end, name)
    return None


def _block_end(lines: list[str], begin: int, end: int, name: str) -> int:
    """A block runs until the next header that is not one of its own sub-tables."""
    for number in range(begin, end):
        match = _HEADER.match(lines[number])
        if match and not match.group(1).startswith(name + "."):
            return number
    return end
