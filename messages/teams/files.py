"""Teams cards for files in chat: the export form, and the file consent card a bot sends before a file."""

from __future__ import annotations

from typing import Any

from messages import files as words
from messages.teams.base import Card, Verb, button, card, dispute_data, esc, text_block
from messages.text import DisputeView

FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"


def export_form(view: DisputeView) -> Card:
    """Which file: PDF (the default), Markdown or HTML; it is offered in the person's 1:1 chat."""
    choices = [{"title": label, "value": fmt} for fmt, label in words.FORMAT_LABELS.items()]
    body = [
        text_block(f"**{esc(words.EXPORT_TITLE)} · case {esc(view.reference)}**"),
        text_block(esc(words.EXPORT_ASK)),
        {
            "type": "Input.ChoiceSet", "id": "format", "label": "File", "style": "expanded",
            "value": words.DEFAULT_FORMAT, "choices": choices, "isRequired": True,
        },
    ]
    return card(body, [button(words.EXPORT_SEND, Verb.EXPORT_SUBMIT, dispute_data(view))])


def consent_content(description: str, size: int, context: dict[str, Any]) -> dict[str, Any]:
    """A FileConsentCard's content: Teams asks the person to accept the file before the bot uploads it."""
    return {"description": description, "sizeInBytes": size, "acceptContext": context, "declineContext": context}
