"""The practice workspace end to end without a browser: the real front ends on the fakes, the practice clock,
and every Slack payload Parley sent in a whole disagreement rendered by the practice Block Kit renderer."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from sqlalchemy import select

from handlers.practice.blockkit import BLOCKS, ELEMENTS, TEXTS, Renderer, types_in
from handlers.practice.view import state
from handlers.practice.workspace import SLACK_CHANNEL, Practice
from messages import slack as slack_builders
from storage.models import DisputeRow, RecordEntryRow
from tests.practice.scenario import REFERENCE, practice, teams_channel_text, whole_disagreement

KNOWN = (
    {("block", t) for t in BLOCKS}
    | {("element", t) for t in (*ELEMENTS, *TEXTS, "image")}
    | {("text", t) for t in TEXTS}
    | {("view", t) for t in ("modal", "home")}
)


def _run(folder: Path, check) -> None:  # noqa: ANN001 - a plain function of the practice
    async def main() -> None:
        p = practice(folder)
        await p.start()
        try:
            await whole_disagreement(p)
            check(p)
        finally:
            await p.stop()

    asyncio.run(main())


def _slack_payloads(p: Practice) -> list[dict]:
    """Every message, update, ephemeral, modal and answer Parley sent to the fake Slack, and a Home tab."""
    out = []
    for method, args in p.fake_slack.calls:
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = args["view"]
            out.append(json.loads(view) if isinstance(view, str) else view)
        elif method == "view_submission.answer" and args.get("view"):
            out.append(args["view"])
        elif method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url") and args.get("blocks"):
            blocks = args["blocks"]
            out.append({"blocks": json.loads(blocks) if isinstance(blocks, str) else blocks})
    return out


def test_a_whole_disagreement_runs_across_slack_and_teams_on_the_practice_clock(tmp_path: Path) -> None:
    def check(p: Practice) -> None:
        with p.sessions() as s:
            dispute = s.scalars(select(DisputeRow)).one()
            kinds = list(s.scalars(select(RecordEntryRow.kind).order_by(RecordEntryRow.seq)))
        assert (dispute.reference, dispute.status) == (REFERENCE, "resolved")
        assert kinds.count("escalated") == 2 and "note" in kinds and kinds[-1] == "resolved", kinds
        # the intake's mistake was shown beside its field, and nothing was raised by it
        answers = [a for m, a in p.fake_slack.calls if m == "view_submission.answer"]
        assert answers[0]["response_action"] == "errors" and "reference" in answers[0]["errors"]
        # the automatic escalation reached both threads
        slack_lines = [m.text for _, replies in p.fake_slack.thread(SLACK_CHANNEL) for m in replies]
        assert any(line.startswith("Parley escalated this") for line in slack_lines), slack_lines
        assert "Parley** escalated this" in teams_channel_text(p) or "Parley escalated this" in teams_channel_text(p)
        # the record opened for Amara, with DC Jones's own words in it
        record = p.fake_slack.top_view("U0AMARAOKAFOR")
        assert record is not None and "Agreed for the police." in json.dumps(record)
        # the practice clock moved, and the page says so
        assert state(p, "amara.okafor")["clock"] != "Wed 2 Dec 2026, 10:00"
        # moving the clock to the next reminder: the timekeeper reminded those asked to act, on each platform
        assert "Reminder: CSC-2026-0042" in [m.text for m in p.fake_slack.direct("U0CSCLSCBREPRESENTATIVE")]
        assert "Reminder: CSC-2026-0042" in [a.body.get("summary") for a in p.fake_teams.chat("a:personal-policelscbrepresentative")]
        # Amara's confirmation replaced the question in her DM, and once it was resolved she was asked for learning points
        texts = [m.text for m in p.fake_slack.direct("U0AMARAOKAFOR")]
        assert any(t.startswith("You confirmed the agreed outcome") for t in texts)
        assert texts[-1] == "Learning points: CSC-2026-0042"

    _run(tmp_path, check)


def test_every_slack_payload_of_a_whole_disagreement_is_one_the_renderer_knows(tmp_path: Path) -> None:
    def check(p: Practice) -> None:
        payloads = _slack_payloads(p)
        names = {person.identities[0].user_id: person.name for person in p.directory.people.values()}
        # the App Home and an empty list are built by the same builders; no practice event opens them
        payloads.append(slack_builders.home_view([], me="amara.okafor", help_lines=slack_builders.help_for(p.policy)))
        found: set[tuple[str, str]] = set()
        for payload in payloads:
            found |= types_in(payload)
            render = Renderer(names=names)
            html = render.modal(payload) if payload.get("type") else render.blocks(payload["blocks"])
            assert html
        unknown = found - KNOWN
        assert not unknown, f"Parley sent block or element types the practice renderer doesn't know: {sorted(unknown)}"
        # and the scenario really reached the kinds of payload there are
        assert {("block", "input"), ("block", "actions"), ("block", "header"), ("element", "external_select"), ("element", "radio_buttons")} <= found
        assert len(payloads) > 30

    _run(tmp_path, check)


def test_each_person_sees_their_own_platform(tmp_path: Path) -> None:
    def check(p: Practice) -> None:
        amara, rhys = state(p, "amara.okafor"), state(p, "rhys.jones")
        assert amara["person"]["platform"] == "slack" and rhys["person"]["platform"] == "teams"
        assert REFERENCE in amara["channel"]["threads"][0]["html"]
        assert any("You confirmed the agreed outcome" in m["html"] for m in amara["direct"])
        assert amara["modal"] is not None and "Agreed for the police." in amara["modal"]["html"], "her record is open"
        assert rhys["channel"]["threads"][0]["cards"], "the Teams thread root is a card"
        # what a person typed is shown as text, never as markup
        everything = json.dumps(amara, ensure_ascii=False)
        assert "<script>" not in everything and "<b>no</b>" not in everything
        assert "no further action &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;no&lt;/b&gt; reason." in everything
        assert not any(m["mine"] for m in rhys["direct"]), "he never typed to Parley"
        assert rhys["direct"][0]["cards"], "his 1:1 chat starts with Parley's welcome card"

    _run(tmp_path, check)


def test_a_teams_person_raises_one_by_typing_disagree_and_a_reset_starts_afresh(tmp_path: Path) -> None:
    from handlers.practice.server import PracticeHost
    from messages.teams import Verb
    from tests.practice.scenario import teams_button

    async def main() -> None:
        host = PracticeHost(tmp_path, "bradford")
        p = await host.start()
        try:
            await p.teams_say("rhys.jones", "disagree")
            data, card, chat = teams_button(p, "rhys.jones", Verb.INTAKE)
            answers = {"reference": "POL-2026-0007", "category": "0", "other_person": "amara.okafor", "problem": "The visit was cancelled.",
                       "outcome": "A joint visit this week.", "discussed": "yes", "immediate_risk": "no"}  # fmt: skip
            await p.teams_execute("rhys.jones", Verb.INTAKE, {**data, **answers}, card, chat)
            seen = state(p, "rhys.jones")
            assert [m["text"] for m in seen["direct"] if m["mine"]] == ["disagree"]
            assert "Raised: case POL-2026-0007" in json.dumps(seen["direct"][-1]["cards"])  # the form became the answer
            assert "POL-2026-0007" in state(p, "amara.okafor")["channel"]["threads"][0]["html"], "the Slack side has its thread too"
            with p.sessions() as s:
                assert s.scalars(select(DisputeRow.reference)).all() == ["POL-2026-0007"]

            p = await host.start("lscb")  # Start fresh / Reset
            with p.sessions() as s:
                assert s.scalars(select(DisputeRow.reference)).all() == []
            assert p.policy.name == "lscb" and state(p, "amara.okafor")["channel"]["threads"] == []
        finally:
            await host.stop()

    asyncio.run(main())
