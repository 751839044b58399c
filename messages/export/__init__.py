"""The record for the child's file in PDF, Markdown and HTML, all from one view model (bot.export)."""

from __future__ import annotations

from datetime import datetime

from bot.export import RecordView
from messages.export.document import document
from messages.export.html import render_html
from messages.export.markdown import render_markdown

MEDIA_TYPES = {"pdf": "application/pdf", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


def render(view: RecordView, fmt: str, *, created: datetime) -> tuple[bytes, str, str]:
    """(file bytes, media type, file extension) of the record in `fmt` (pdf | md | html)."""
    doc = document(view)
    if fmt == "pdf":
        from messages.export.pdf import render_pdf  # Typst is loaded only when a PDF is asked for

        return render_pdf(doc, created=created), MEDIA_TYPES[fmt], "pdf"
    if fmt == "md":
        return render_markdown(doc).encode("utf-8"), MEDIA_TYPES[fmt], "md"
    if fmt == "html":
        return render_html(doc).encode("utf-8"), MEDIA_TYPES[fmt], "html"
    raise ValueError(f"unknown format {fmt}")
