"""Files in Teams: Export record from the record card and the Board's report, sent through Teams' file consent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from bot.directory import PARTNERSHIP, Identity
from handlers.files import read_policy
from messages.teams import Verb
from messages.teams.files import FILE_CONSENT, FILE_INFO
from storage.models import AccessLogRow
from tests.builders import POLICE_TENANT, directory_for, with_identity
from tests.teams.harness import DC_JONES, Harness, Posted, actions, intake_answers, run, teams_id, with_csc_on_teams

LSCB = read_policy("lscb")
POLICE_REP = "29:policelscbrepresentative"  # in the directory, not involved in the dispute
BOARD_MANAGER = teams_id(f"{PARTNERSHIP}.board_manager")


# the partnership's board manager on Teams in the police tenant too
DIRECTORY = with_identity(with_csc_on_teams(directory_for(LSCB)), f"{PARTNERSHIP}.board_manager", Identity("teams", POLICE_TENANT, BOARD_MANAGER))


def _access(h: Harness) -> list[AccessLogRow]:
    with h.sessions() as s:
        return list(s.scalars(select(AccessLogRow).order_by(AccessLogRow.id)))


def _attachments(h: Harness, user: str, kind: str) -> list[dict[str, Any]]:
    return [a for c in h.replies(user) for a in c.body.get("attachments") or [] if a.get("contentType") == kind]


async def _answer(h: Harness, user: str, consent: dict[str, Any], action: str = "accept") -> Posted:
    """What Teams sends when the person answers the FileConsentCard (Allow: with an upload session)."""
    value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": consent["content"]["acceptContext"]}
    if action == "accept":
        value["uploadInfo"] = h.connector.upload_info(consent["name"])
    return await h.post(h.activity("invoke", user, name="fileConsent/invoke", value=value))


async def _raise(h: Harness) -> dict[str, Any]:
    await h.execute(DC_JONES, Verb.INTAKE, intake_answers())
    await h.deliver()
    return h.latest_root_card()


def test_a_party_exports_the_record_accepts_the_file_and_teams_receives_a_pdf(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        root = await _raise(h)
        record = (await h.execute(DC_JONES, Verb.VIEW_RECORD, actions(root)["View record"])).card
        form = (await h.execute(DC_JONES, Verb.EXPORT_RECORD, actions(record)["Export record"])).card
        choice = next(e for e in form["body"] if e.get("id") == "format")
        assert choice["value"] == "pdf" and [c["value"] for c in choice["choices"]] == ["pdf", "md", "html"]
        said = await h.execute(DC_JONES, Verb.EXPORT_SUBMIT, {**actions(form)["Send it to me"], "format": "pdf"})
        assert "choose Allow there" in said.message

        [consent] = _attachments(h, DC_JONES, FILE_CONSENT)
        assert consent["name"] == "record-POL-2040-0193.pdf"
        [dispute_id] = h.dispute_ids()
        assert dispute_id not in consent["name"] and dispute_id not in str(consent["content"])
        answered = await _answer(h, DC_JONES, consent)
        assert answered.status == 200

        content = h.connector.uploads["record-POL-2040-0193.pdf"]
        assert content.startswith(b"%PDF") and consent["content"]["sizeInBytes"] == len(content)
        [info] = _attachments(h, DC_JONES, FILE_INFO)
        assert info["name"] == "record-POL-2040-0193.pdf" and info["content"]["fileType"] == "pdf"
        [logged] = _access(h)
        assert (logged.person_id, logged.action, logged.format, logged.channel, logged.allowed) == ("dc.jones", "export", "pdf", "teams", True)

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_an_outsider_is_refused_on_teams_and_the_refusal_is_on_the_access_log(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        root = await _raise(h)
        refused = await h.execute(POLICE_REP, Verb.EXPORT_RECORD, actions(root)["View record"])
        assert "Only the people involved in case POL-2040-0193" in refused.message and "has been recorded" in refused.message
        forged = await h.execute(POLICE_REP, Verb.EXPORT_SUBMIT, {**actions(root)["View record"], "format": "pdf"})
        assert "Only the people involved in case POL-2040-0193" in forged.message
        assert _attachments(h, POLICE_REP, FILE_CONSENT) == [] and h.connector.uploads == {}
        logged = _access(h)
        assert [(r.person_id, r.channel, r.allowed) for r in logged] == [("police.lscb_representative", "teams", False)] * 2

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_a_declined_or_failed_upload_is_said_plainly(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        root = await _raise(h)
        record = (await h.execute(DC_JONES, Verb.VIEW_RECORD, actions(root)["View record"])).card
        form = (await h.execute(DC_JONES, Verb.EXPORT_RECORD, actions(record)["Export record"])).card
        await h.execute(DC_JONES, Verb.EXPORT_SUBMIT, {**actions(form)["Send it to me"], "format": "md"})
        [consent] = _attachments(h, DC_JONES, FILE_CONSENT)
        await _answer(h, DC_JONES, consent, "decline")
        assert "nothing was sent" in h.replies(DC_JONES)[-1].text()

        await h.execute(DC_JONES, Verb.EXPORT_SUBMIT, {**actions(form)["Send it to me"], "format": "html"})
        consent = _attachments(h, DC_JONES, FILE_CONSENT)[-1]
        h.connector.refuse_uploads = True
        await _answer(h, DC_JONES, consent)
        assert "nothing was sent" in h.replies(DC_JONES)[-1].text()
        assert _attachments(h, DC_JONES, FILE_INFO) == []

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)


def test_the_board_manager_gets_the_report_on_teams_and_a_practitioner_is_told_who_can(engine: Engine) -> None:
    async def scenario(h: Harness) -> None:
        await _raise(h)
        await h.say(BOARD_MANAGER, "report 2040-10-01 2040-12-31")
        [consent] = _attachments(h, BOARD_MANAGER, FILE_CONSENT)
        assert consent["name"] == "parley-board-report-2040-10-01-to-2040-12-31.html"
        await _answer(h, BOARD_MANAGER, consent)
        content = h.connector.uploads[consent["name"]]
        assert b"<html" in content.lower() and b"POL-2040-0193" not in content

        await h.say(DC_JONES, "report")
        said = h.replies(DC_JONES)[-1].text()
        assert "can ask for the Board's report" in said and "board manager" in said.lower()
        assert _attachments(h, DC_JONES, FILE_CONSENT) == []

    run(engine, scenario, policy=LSCB, directory=DIRECTORY)
