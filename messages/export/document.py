"""The record view put into words: sections of plain blocks that the Markdown, HTML and PDF renderers lay out.

Every renderer walks the same `document(view)`, so the three formats say the same things in the
same order. Blocks are plain dicts of strings (ready to be JSON for the Typst template):

    {"type": "fields", "rows": [[label, value], ...]}
    {"type": "table", "columns": [...], "rows": [[cell, ...], ...]}
    {"type": "para", "text": ..., "strong": bool}
    {"type": "entry", "title": ..., "meta": ..., "rows": [[label, value], ...]}
"""

from __future__ import annotations

from typing import Any

from bot.export import RecordView
from messages.export import words as w

Block = dict[str, Any]


def _fields(rows: list[tuple[str, str]]) -> Block:
    return {"type": "fields", "rows": [[label, value] for label, value in rows]}


def _para(text: str, strong: bool = False) -> Block:
    return {"type": "para", "text": text, "strong": strong}


def _table(columns: tuple[str, ...], rows: list[list[str]], widths: tuple[int, ...]) -> Block:
    """`widths`: each column's share of the page width (the PDF uses them; HTML tables size themselves)."""
    return {"type": "table", "columns": list(columns), "rows": rows, "widths": list(widths)}


def _section(key: str, *blocks: Block) -> dict[str, Any]:
    return {"heading": w.HEADINGS[key], "blocks": list(blocks)}


def document(view: RecordView) -> dict[str, Any]:
    """The whole export as sections of blocks, in the order of the form."""
    c = view.cover
    cover = [(w.COVER[k], getattr(c, k)) for k in ("partnership", "procedure", "reference", "category", "status", "opened")]
    if c.closed:
        cover.append((w.COVER["closed"], c.closed))
    cover += [(w.COVER["generated_at"], c.generated_at), (w.COVER["generated_by"], c.generated_by)]
    sections = [
        _section("cover", _fields(cover), _para(w.CONFIDENTIAL, strong=True)),
        _section("parties", _fields([(w.SIDES[p.side], f"{w.value(p.name)}, {p.agency}") for p in view.parties])),
        _section(
            "stages",
            _table(
                w.STAGE_COLUMNS,
                [
                    [s.stage, w.lines(s.asked), s.started, s.due, w.TIMESCALE[s.timescale], w.ENDED.get(s.ended, s.ended)]
                    for s in view.stages
                ],
                (5, 7, 4, 4, 3, 4),
            ),
        ),
        _section(
            "entries",
            *(
                {
                    "type": "entry",
                    "title": f"{e.number}. {w.KINDS.get(e.kind, e.kind)}",
                    "meta": f"{e.when}, {e.who}",
                    "rows": [[w.FIELDS.get(k, k), w.field_value(k, v)] for k, v in e.fields],
                }
                for e in view.entries
            ),
        ),
        _section(
            "escalations",
            _table(
                w.ESCALATION_COLUMNS,
                [
                    [e.when, e.from_stage, e.to_stage, w.escalation_why(e.reason, e.automatic, e.by), w.lines(e.waiting_on)]
                    for e in view.escalations
                ],
                (4, 5, 5, 6, 5),
            )
            if view.escalations
            else _para(w.NO_ESCALATIONS),
        ),
        _section(
            "challenge",
            _fields([(ch.when, f"{ch.stage} ({ch.by})") for ch in view.challenges]) if view.challenges else _para(w.NO_CHALLENGE),
        ),
    ]
    p = view.proposal
    if p is None:
        sections += [
            _section("proposal", _para(w.NO_PROPOSAL)),
            _section("confirmations", _para(w.NO_CONFIRMATIONS)),
            _section("outstanding", _para(w.NONE)),
            _section("learning", _para(w.NONE)),
        ]
    else:
        sections += [
            _section("proposal", _fields([(w.FIELDS["agreed_outcome"], p.agreed_outcome), (w.FIELDS["proposed_by"], f"{p.by}, {p.when}")])),
            _section(
                "confirmations",
                *(
                    {"type": "entry", "title": f"{x.who}, {w.side(x.side)}", "meta": x.when, "rows": [[w.FIELDS["statement"], x.statement]]}
                    for x in view.confirmations
                )
                if view.confirmations
                else _para(w.NO_CONFIRMATIONS),
            ),
            _section("outstanding", _para(p.outstanding_issues or w.NONE)),
            _section("learning", _para(p.learning_points or w.NONE)),
        ]
    sections += [
        _section(
            "access",
            _table(
                w.ACCESS_COLUMNS,
                [[a.when, a.who, w.access_what(a.action, a.format), w.CHANNELS.get(a.channel, a.channel), w.access_outcome(a.allowed)] for a in view.access],
                (4, 5, 4, 3, 2),
            ),
        ),
        _section("chain", _para(w.chain_sentence(view.chain), strong=not view.chain.verified)),
    ]
    return {
        "title": f"{w.TITLE}: {c.reference}",
        "header": c.partnership,
        "confidential": w.CONFIDENTIAL,
        "marking": w.MARKING,
        "page": w.PAGE,
        "of": w.OF,
        "lang": "en",
        "sections": sections,
    }
