"""The record as Markdown: every character of Markdown syntax in the record's text is escaped."""

from __future__ import annotations

import re
from typing import Any

from messages.export.document import Block

# CommonMark lets a backslash escape any ASCII punctuation. These mean something anywhere in a line;
# the ones below only at a line's start (a heading, list, quote or setext underline).
_ANYWHERE = set("\\`*_[]<|&~")
_LINE_START = re.compile(r"^(\s*)(\d+(?=[.)])|[#+\-=>])")


def md(text: str) -> str:
    """`text` as literal Markdown: syntax escaped, its line breaks kept as hard breaks."""
    lines = []
    for line in text.splitlines() or [""]:
        escaped = "".join("\\" + ch if ch in _ANYWHERE else ch for ch in line)
        m = _LINE_START.match(escaped)
        if m and m.group(2).isdigit():
            end = m.end()
            escaped = escaped[:end] + "\\" + escaped[end:]
        elif m:
            escaped = escaped[: m.start(2)] + "\\" + escaped[m.start(2):]
        lines.append(escaped)
    return "\\\n".join(lines)


def _cell(text: str) -> str:
    """A table cell: Markdown tables hold one line, so the cell's lines are joined with '; '."""
    return md(" ".join("; ".join(line.strip() for line in text.splitlines() if line.strip()).split()))


def _block(block: Block) -> list[str]:
    match block["type"]:
        case "fields":
            return [f"- **{md(label)}:** {md(value)}" for label, value in block["rows"]] + [""]
        case "para":
            text = md(block["text"])
            return [f"**{text}**" if block["strong"] else text, ""]
        case "table":
            lines = ["| " + " | ".join(_cell(c) for c in block["columns"]) + " |"]
            lines.append("|" + "---|" * len(block["columns"]))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block["rows"]]
            return lines + [""]
        case "entry":
            lines = [f"### {md(block['title'])}", "", f"*{md(block['meta'])}*", ""]
            return lines + [f"- **{md(label)}:** {md(value)}" for label, value in block["rows"]] + [""]
    raise ValueError(block["type"])


def render_markdown(doc: dict[str, Any]) -> str:
    """The whole document as Markdown text."""
    out = [f"# {md(doc['title'])}", "", f"*{md(doc['header'])}*", ""]
    for section in doc["sections"]:
        out += [f"## {md(section['heading'])}", ""]
        for block in section["blocks"]:
            out += _block(block)
    return "\n".join(out).rstrip() + "\n"
