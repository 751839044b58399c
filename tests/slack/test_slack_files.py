"""Files in Slack: Export record from the record modal, and the Board's report on request, in the person's DM."""

from __future__ import annotations

from sqlalchemy import Engine, select

from bot.directory import PARTNERSHIP, Identity
from handlers.files import read_policy
from messages.slack import ActionId, ViewId
from storage.models import AccessLogRow
from tests.builders import directory_for, with_identity
from tests.slack.harness import AMARA, TEAM, Harness, button, run, slack_id, with_police_on_slack
from tests.slack.mock_slack import shared_files

BRADFORD = read_policy("bradford")
NOT_INVOLVED = slack_id("csc.safeguarding_lead")  # in the directory, not asked at Step 1 or 2
BOARD_MANAGER = slack_id(f"{PARTNERSHIP}.board_manager")


# the partnership's board manager also in the CSC workspace (beside their own)
DIRECTORY = with_identity(with_police_on_slack(directory_for(BRADFORD)), f"{PARTNERSHIP}.board_manager", Identity("slack", TEAM, BOARD_MANAGER))


def _access(h: Harness) -> list[AccessLogRow]:
    with h.sessions() as s:
        return list(s.scalars(select(AccessLogRow).order_by(AccessLogRow.id)))


async def _export(h: Harness, user: str, fmt: str | None) -> dict:
    """Press View record, then Export record on the record modal, choose a format and send it."""
    await h.click(user, ActionId.VIEW_RECORD, button(h.root().args["blocks"], ActionId.VIEW_RECORD))
    await h.settle()
    record = h.opened_views()[-1]
    assert record["callback_id"] == ViewId.RECORD
    await h.click(user, ActionId.EXPORT_RECORD, button(record["blocks"], ActionId.EXPORT_RECORD))
    await h.settle()
    form = h.opened_views()[-1]
    assert form["callback_id"] == ViewId.EXPORT
    status, body = await h.submit(user, form, {"format": fmt} if fmt else {"format": "pdf"})
    assert status == 200 and body["response_action"] == "update", body
    await h.settle()
    return body


def test_a_party_exports_the_record_and_gets_a_pdf_in_their_direct_messages(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        await _export(h, AMARA, None)

        [upload] = shared_files(h.mock)
        assert upload.channel == "D" + AMARA[1:]  # the DM conversations.open gave
        assert upload.content is not None and upload.content.startswith(b"%PDF")
        assert upload.filename == "record-CSC-2040-0193.pdf" and upload.length == len(upload.content)
        [dispute_id] = h.dispute_ids()
        assert dispute_id not in upload.filename
        said = h.mock.calls_to("views.update")[-1].text()
        assert "in your direct messages" in said and "record-CSC-2040-0193.pdf" in said and dispute_id not in said
        [logged] = _access(h)
        assert (logged.person_id, logged.action, logged.format, logged.channel, logged.allowed) == ("amara.okafor", "export", "pdf", "slack", True)

    run(engine, scenario, policy=BRADFORD, directory=DIRECTORY)


def test_markdown_and_html_come_when_chosen(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        await _export(h, AMARA, "md")
        await _export(h, AMARA, "html")
        md, html = shared_files(h.mock)
        assert md.filename.endswith(".md") and b"CSC-2040-0193" in (md.content or b"")
        assert html.filename.endswith(".html") and (html.content or b"").lstrip().lower().startswith(b"<!doctype html")

    run(engine, scenario, policy=BRADFORD, directory=DIRECTORY)


def test_an_outsider_is_refused_kindly_and_the_refusal_is_on_the_access_log(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        value = button(h.root().args["blocks"], ActionId.VIEW_RECORD)  # what an Export button would carry
        await h.click(NOT_INVOLVED, ActionId.EXPORT_RECORD, value)
        await h.settle()
        reply = h.mock.responses[-1]
        assert reply["response_type"] == "ephemeral"
        assert "Only the people involved in case CSC-2040-0193" in reply["text"] and "has been recorded" in reply["text"]
        assert shared_files(h.mock) == [] and h.mock.calls_to("files.getUploadURLExternal") == []
        [logged] = _access(h)
        assert (logged.person_id, logged.action, logged.channel, logged.allowed) == ("csc.safeguarding_lead", "export", "slack", False)

    run(engine, scenario, policy=BRADFORD, directory=DIRECTORY)


def test_when_slack_refuses_the_upload_the_person_is_told_nothing_was_sent(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        h.mock.fail_next(1, status=200, method="files.completeUploadExternal", error="not_allowed_token_type")
        await _export(h, AMARA, "pdf")
        assert shared_files(h.mock) == []
        said = h.mock.calls_to("views.update")[-1].text()
        assert "nothing was sent" in said and "in your direct messages with Parley, as" not in said

    run(engine, scenario, policy=BRADFORD, directory=DIRECTORY)


def test_the_board_manager_gets_the_report_in_their_direct_messages(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.raise_dispute(AMARA)
        status, _ = await h.command(BOARD_MANAGER, "report 2040-10-01 2040-12-31")
        assert status == 200
        await h.settle()
        [upload] = shared_files(h.mock)
        assert upload.channel == "D" + BOARD_MANAGER[1:]
        assert upload.filename == "parley-board-report-2040-10-01-to-2040-12-31.html"
        assert b"<html" in (upload.content or b"").lower() and b"CSC-2040-0193" not in (upload.content or b"")
        assert "in your direct messages" in h.mock.responses[-1]["text"]

        await h.command(BOARD_MANAGER, "report csv")  # the last full quarter: July to September 2040
        await h.settle()
        csv = shared_files(h.mock)[-1]
        assert csv.filename == "parley-board-report-2040-07-01-to-2040-09-30.csv"

    run(engine, scenario, policy=BRADFORD, directory=DIRECTORY)


def test_a_practitioner_asking_for_the_report_is_told_who_can(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await h.command(AMARA, "report")
        await h.settle()
        reply = h.mock.responses[-1]["text"]
        assert "Only the partnership's" in reply and "can ask for the Board's report" in reply
        assert shared_files(h.mock) == [] and h.mock.calls_to("files.getUploadURLExternal") == []

        await h.command(BOARD_MANAGER, "report 2040-13-01")
        await h.settle()
        assert "'2040-13-01' is not a day Parley can read" in h.mock.responses[-1]["text"]
        assert shared_files(h.mock) == []

    run(engine, scenario, policy=BRADFORD, directory=DIRECTORY)
