"""The record as PDF/A-2a and PDF/UA-1 (tagged), A4, laid out by Typst from the shipped template.

The document goes to the template as JSON in `sys.inputs`, never as markup. Typst sees only the
fonts shipped in fonts/ (Noto Sans, Noto Naskh Arabic; OFL), never the machine's, so the file is
the same on every machine.
"""

from __future__ import annotations

import functools
import json
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import typst

from messages.export.glyphs import covered, drawable, map_strings
from messages.export.words import UNDRAWABLE

TEMPLATE = Path(__file__).with_name("record.typ")
FONTS = Path(__file__).resolve().parents[2] / "fonts"
STANDARDS = ["a-2a", "ua-1"]  # both in one file needs typst (the PyPI package) 0.15 or later


def _drawable(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with characters the fonts can't draw written as [U+XXXX], and a line saying so."""
    chars = covered(tuple(sorted(FONTS.glob("*.ttf"))))
    changed = False

    def fix(text: str) -> str:
        nonlocal changed
        shown, replaced = drawable(text, chars)
        changed |= replaced
        return shown

    out = map_strings(doc, fix)
    if changed:
        out["sections"][-1]["blocks"].append({"type": "para", "text": UNDRAWABLE, "strong": False})
    return out


_lock = threading.Lock()  # one compile at a time: the compiler keeps state between compiles


@functools.cache
def _compiler() -> typst.Compiler:
    """The one compiler: it loads and parses the fonts once per process, not once per export."""
    return typst.Compiler(str(TEMPLATE), root=str(TEMPLATE.parent), font_paths=[str(FONTS)], ignore_system_fonts=True)


def render_pdf(doc: dict[str, Any], *, created: datetime) -> bytes:
    """The document as PDF bytes; `created` is the PDF's creation date (no clock is read here)."""
    with _lock:  # also makes the first call build the compiler only once
        return _compiler().compile(
            sys_inputs={"data": json.dumps(_drawable(doc), ensure_ascii=False)},
            pdf_standards=STANDARDS,
            timestamp=int(created.timestamp()),
        )
