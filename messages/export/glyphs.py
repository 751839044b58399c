"""Which characters the shipped fonts can draw, read from their `cmap` tables.

A PDF/A file may not contain text its fonts cannot show, so Typst refuses to write one with, say,
an emoji in a note. The PDF writes such characters as [U+1F44D] instead (and says so); the
Markdown and HTML exports keep them as written.
"""

from __future__ import annotations

import struct
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

KEEP = frozenset("\n\t")  # laid out as line breaks and spaces, not drawn
# Bidi embeddings, overrides and isolates: an override can make "pay 100" read "001 yap". Shown as
# [U+202E] and so on, so what the PDF shows is what was typed, in the order typed.
BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))


def _cmap(data: bytes) -> set[int]:
    num_tables = struct.unpack_from(">H", data, 4)[0]
    tables = {data[12 + 16 * i : 16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0] for i in range(num_tables)}
    cmap = tables[b"cmap"]
    subtables = {}
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables[(platform, encoding)] = cmap + offset
    for key in ((3, 10), (0, 4), (0, 6)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 12:
            return _format12(data, subtables[key])
    for key in ((3, 1), (0, 3), (0, 1), (0, 0)):
        if key in subtables and struct.unpack_from(">H", data, subtables[key])[0] == 4:
            return _format4(data, subtables[key])
    return set()


def _format12(data: bytes, at: int) -> set[int]:
    groups = struct.unpack_from(">I", data, at + 12)[0]
    chars: set[int] = set()
    for g in range(groups):
        start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
        chars.update(c for c in range(start, end + 1) if glyph + (c - start))
    return chars


def _format4(data: bytes, at: int) -> set[int]:
    segments = struct.unpack_from(">H", data, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 4 * segments)
    range_offsets_at = at + 16 + 6 * segments
    chars: set[int] = set()
    for i in range(segments):
        range_offset = struct.unpack_from(">H", data, range_offsets_at + 2 * i)[0]
        for c in range(starts[i], ends[i] + 1):
            if c == 0xFFFF:
                continue
            if range_offset == 0:
                glyph = (c + deltas[i]) & 0xFFFF
            else:
                glyph = struct.unpack_from(">H", data, range_offsets_at + 2 * i + range_offset + 2 * (c - starts[i]))[0]
                glyph = (glyph + deltas[i]) & 0xFFFF if glyph else 0
            if glyph:
                chars.add(c)
    return chars


@lru_cache(maxsize=4)
def covered(fonts: tuple[Path, ...]) -> frozenset[int]:
    """Every code point that at least one of these TrueType fonts maps to a glyph."""
    chars: set[int] = set()
    for path in fonts:
        chars |= _cmap(path.read_bytes())
    return frozenset(chars)


def drawable(text: str, chars: frozenset[int]) -> tuple[str, bool]:
    """(`text` with every character the fonts can't draw written as [U+XXXX], whether any was)."""
    out: list[str] = []
    changed = False
    for ch in text.replace("\r\n", "\n").replace("\r", "\n"):
        category = unicodedata.category(ch)
        if ord(ch) in BIDI_CONTROLS:
            out.append(f"[U+{ord(ch):04X}]")
            changed = True
        elif ch in KEEP or (ord(ch) in chars and category not in ("Cc", "Cs", "Co", "Cn")):
            out.append(ch)
        elif category == "Cf":
            out.append(ch)  # joiners and direction marks shape text; they draw nothing themselves
        else:
            out.append(f"[U+{ord(ch):04X}]")
            changed = True
    return "".join(out), changed


def map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """A copy of a JSON-like value with `change` applied to every string in it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(v, change) for v in value]
    return value
