"""The Adaptive Card builders on their own: escaping, mentions, buttons, and Teams' size limit."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from bot.events import DisputeOpened, NoteAdded
from handlers.files import read_policy
from messages import teams as cards
from messages.teams import Verb, esc, paragraphs, plain
from messages.text import dispute_view, names_for
from tests.builders import directory_for

LSCB = read_policy("lscb")
NOW = datetime(2040, 11, 5, 10, tzinfo=timezone.utc)
TEAMS_LIMIT = 28 * 1024  # Teams refuses a message over about 28 KB


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("[the file](https://evil.example)", "\\[the file\\](https://evil.example)"),
        ("<at>Ben Hughes</at>", "＜at＞Ben Hughes＜/at＞"),
        ("**now** and _this_ `code` ~~gone~~", "\\*\\*now\\*\\* and \\_this\\_ \\`code\\` \\~\\~gone\\~\\~"),
        ("- one\n1. two\n# three\n> four", "\\- one\n1\\. two\n\\# three\n＞ four"),
        ("&lt;at&gt; A&E", "＆lt;at＆gt; A&E"),
        ("CSC-2040/0193 (LSCB) #4", "CSC-2040/0193 (LSCB) #4"),
    ],
)
def test_esc_leaves_no_markdown_link_emphasis_list_or_mention(typed: str, shown: str) -> None:
    assert esc(typed) == shown


def _esc_every_rule(text: str) -> str:
    """esc without its shortcut for text that needs nothing: every rule applied to everything."""
    from messages.teams import base

    out = base._ENTITY.sub("\uff06", plain(text))
    out = base._MARKDOWN.sub(r"\\\1", out)
    out = base._LINE_START.sub(r"\1\\\2", out)
    return base._NUMBERED.sub(r"\1\\\2\3", out)


@given(st.text(alphabet=st.sampled_from(list("ab 1.2)\n\t-+#><&;*_[]~`\\é")), max_size=16))
def test_esc_shortcut_changes_nothing_the_rules_would_change(typed: str) -> None:
    assert esc(typed) == _esc_every_rule(typed)


def test_plain_text_only_loses_its_angle_brackets_and_paragraphs_keep_each_line() -> None:
    assert plain("a <b> & [c]") == "a ＜b＞ & [c]"
    assert paragraphs("first line\n\n  second *line*\n") == "first line\n\nsecond \\*line\\*"


def _view(**changes):
    from bot import opening
    from handlers.holidays import calendar_for
    from tests.fakes import FakeUnitOfWork

    directory = directory_for(LSCB)
    uow = FakeUnitOfWork(directory)
    fields = dict(
        raiser="dc.jones",
        reference="POL-2040-0193",
        category=LSCB.categories[0],
        other_agency="csc",
        other_person="amara.okafor",
        problem="p" * 2900,
        cause="c" * 2900,
        outcome="o" * 2900,
    )
    outcome = opening.open_dispute(opening.OpenDispute(**{**fields, **changes}), uow=uow, policy=LSCB, calendar=calendar_for(LSCB), now=NOW)
    return outcome.dispute, directory


def test_the_longest_raised_dispute_still_fits_in_one_teams_message() -> None:
    dispute, directory = _view()
    view = dispute_view(dispute, directory, LSCB)
    opened = DisputeOpened(
        dispute.id, NOW, "dc.jones", reference=dispute.reference, category=dispute.category, raiser="dc.jones", raiser_agency="police",
        other="amara.okafor", other_agency="csc", problem="<" * 2900, cause="*" * 2900, outcome="[" * 2900, discussed=True, immediate_risk=True,
    )  # fmt: skip
    activity = cards.line_activity((opened,), view, names_for(directory, LSCB, {"dc.jones"}))
    assert activity is not None and len(json.dumps(activity).encode()) < TEAMS_LIMIT
    note = cards.line_activity((NoteAdded(dispute.id, NOW, "dc.jones", text="_" * 2900),), view, names_for(directory, LSCB, {"dc.jones"}))
    assert note is not None and len(json.dumps(note).encode()) < TEAMS_LIMIT
    record = cards.record_card(view, "x" * 100_000)
    assert len(json.dumps(record).encode()) < TEAMS_LIMIT
    assert "longer than Teams can show" in json.dumps(record)


def test_mentions_are_made_only_for_people_on_teams_in_the_thread_tenant() -> None:
    dispute, directory = _view()
    view = dispute_view(dispute, directory, LSCB)
    card = cards.root_card(view, teams_ids={"dc.jones": "29:dcjones"})
    text = json.dumps(card)
    assert "<at>DC Rhys Jones</at>" in text and "**Amara Okafor**" in text
    assert card["msteams"]["entities"] == [{"type": "mention", "text": "<at>DC Rhys Jones</at>", "mentioned": {"id": "29:dcjones", "name": "DC Rhys Jones"}}]
    assert "entities" not in cards.root_card(view)["msteams"]


def test_every_button_is_a_universal_action_with_a_submit_fallback_carrying_the_same_data() -> None:
    dispute, directory = _view()
    view = dispute_view(dispute, directory, LSCB)
    buttons = cards.root_card(view)["actions"]
    assert [b["verb"] for b in buttons] == [Verb.RESOLVE, Verb.ESCALATE, Verb.ADD_NOTE, Verb.VIEW_RECORD, Verb.WITHDRAW]
    for b in buttons:
        assert b["type"] == "Action.Execute" and b["data"]["verb"] == b["verb"]
        assert b["fallback"] == {"type": "Action.Submit", "title": b["title"], "data": b["data"], "associatedInputs": "none"} | (
            {"style": b["style"]} if "style" in b else {}
        )
    assert cards.root_card(view)["version"] == "1.5"
