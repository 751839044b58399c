"""The record as one self-contained HTML page (no scripts, no external requests); all text escaped."""

from __future__ import annotations

from html import escape
from typing import Any

from messages.export.document import Block

_STYLE = """
body { font-family: "Noto Sans", Arial, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #111; line-height: 1.45; }
header, footer { color: #444; font-size: .9rem; border-bottom: 1px solid #999; padding-bottom: .3rem; }
footer { border-top: 1px solid #999; border-bottom: none; margin-top: 2rem; padding-top: .3rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; } h3 { font-size: 1rem; margin-bottom: .2rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; } th, td { border: 1px solid #999; padding: .3rem; text-align: start; vertical-align: top; }
th { background: #eee; } dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dt { font-weight: bold; } dd { margin: 0; }
.text { white-space: pre-wrap; } .meta { color: #444; margin-top: 0; } .strong { font-weight: bold; }
"""


def h(text: str) -> str:
    """`text` escaped for HTML element content and attribute values."""
    return escape(text, quote=True)


def _text(value: str) -> str:
    return f'<span class="text" dir="auto">{h(value)}</span>'


def _block(block: Block) -> str:
    match block["type"]:
        case "fields":
            rows = "".join(f"<dt>{h(label)}</dt><dd>{_text(value)}</dd>" for label, value in block["rows"])
            return f"<dl>{rows}</dl>"
        case "para":
            cls = "text strong" if block["strong"] else "text"
            return f'<p class="{cls}" dir="auto">{h(block["text"])}</p>'
        case "table":
            head = "".join(f'<th scope="col">{h(c)}</th>' for c in block["columns"])
            body = "".join("<tr>" + "".join(f"<td>{_text(c)}</td>" for c in row) + "</tr>" for row in block["rows"])
            return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        case "entry":
            rows = "".join(f"<dt>{h(label)}</dt><dd>{_text(value)}</dd>" for label, value in block["rows"])
            return f'<article><h3 dir="auto">{h(block["title"])}</h3><p class="meta" dir="auto">{h(block["meta"])}</p><dl>{rows}</dl></article>'
    raise ValueError(block["type"])


def render_html(doc: dict[str, Any]) -> str:
    """The whole document as an HTML page."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{h(doc["lang"])}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{h(doc['title'])}</title><style>{_STYLE}</style></head><body>",
        f"<header>{h(doc['header'])}</header><main><h1>{h(doc['title'])}</h1>",
    ]
    for section in doc["sections"]:
        parts.append(f"<section><h2>{h(section['heading'])}</h2>")
        parts += [_block(b) for b in section["blocks"]]
        parts.append("</section>")
    parts.append(f"</main><footer>{h(doc['header'])}. {h(doc['confidential'])}</footer></body></html>")
    return "\n".join(parts) + "\n"
