"""The morning digest reads who is asked from the dispute_asked rows: they follow every stage that
starts or ends, on SQLite and PostgreSQL, and a lead with more than the digest lists is told how many more."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from bot import due_work, moves
from bot.outbox import Notifiers
from handlers.files import read_policy
from handlers.notify import SlackNotifier
from handlers.teams.notify import TeamsNotifier
from storage.models import AskedRow, DisputeRow, OutboxRow
from tests.builders import CSC_WORKSPACE, POLICE_TENANT, at
from tests.storage.timekeeping import keeper, open_dispute

BRADFORD = dataclasses.replace(read_policy("bradford"), digest=True)
STEP3_LEADS = {"ben.hughes", "csc.safeguarding_lead", "ds.khan", "police.safeguarding_lead"}


def _digests(tk, now):
    """Run the sweep at `now`; the digest messages it queued, by person: (references listed, total)."""
    tk.run_due_work(now)
    with tk.sessions() as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.key.like(f"digest:%:{now.date().isoformat()}")))
        return {r.target: (r.payload["text"].splitlines(), r.payload["total"]) for r in rows}


def _expected(tk):
    """What the digest should say, worked out from the disputes' own routing: for each person asked
    in a lead's role, the references of the active disputes waiting on them, and how many."""
    with tk.sessions() as s:
        ids = list(s.scalars(select(DisputeRow.id).where(DisputeRow.active.is_(True))))
    with tk.uow() as uow:
        disputes = sorted(uow.disputes.get_many(ids).values(), key=lambda d: (d.deadline, d.reference))
    out: dict[str, list[str]] = {}
    for d in disputes:
        for p in sorted({a.person_id for a in d.routing.assignees if a.role != "practitioner"}):
            out.setdefault(p, []).append(d.reference)
    return {p: (refs, len(refs)) for p, refs in out.items()}


def _asked(tk):
    with tk.sessions() as s:
        return sorted((r.dispute_id, r.person_id, r.stage_index, r.role, r.lead) for r in s.scalars(select(AskedRow)))


def test_the_asked_rows_follow_stages_as_they_start_and_end(engine):
    tk = keeper(engine, BRADFORD)
    urgent = open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True, reference="CSC-2026-0001")
    plain = open_dispute(tk, at(2026, 11, 2, 10, 5), reference="CSC-2026-0002")
    rows = _asked(tk)
    assert {(p, lead) for d, p, _, _, lead in rows if d == plain} == {("amara.okafor", False)}  # step 1: the raiser
    assert {p for d, p, _, _, lead in rows if d == urgent and lead} == STEP3_LEADS
    assert _digests(tk, at(2026, 11, 2, 11)) == {p: (["CSC-2026-0001"], 1) for p in STEP3_LEADS}

    # the plain one moves on to step 2 (the practitioners: still no lead), then to step 3 (their line
    # managers and the leads): only then does the digest list it for them
    def escalate(now):
        moves.escalate(
            moves.Escalate(dispute_id=plain, by="amara.okafor", reason="No reply."),
            uow=tk.uow(), policy=tk.policy, calendar=tk.calendar, now=now, notifier=tk.notifier,
        )

    escalate(at(2026, 11, 2, 12))
    assert {(p, stage, lead) for d, p, stage, _, lead in _asked(tk) if d == plain} == {("amara.okafor", 1, False), ("dc.jones", 1, False)}
    day2 = _digests(tk, at(2026, 11, 3, 10))  # the urgent one missed its timescale and went up a step
    assert day2 == _expected(tk) and all(listed == ["CSC-2026-0001"] for listed, _ in day2.values())
    assert set(day2) != STEP3_LEADS
    escalate(at(2026, 11, 3, 11))
    assert {p for d, p, stage, _, lead in _asked(tk) if d == plain and lead and stage == 2} == STEP3_LEADS
    day3 = _digests(tk, at(2026, 11, 4, 10))
    assert day3 == _expected(tk)
    assert all(day3[p] == (["CSC-2026-0002"], 1) or day3[p] == (["CSC-2026-0001", "CSC-2026-0002"], 2) for p in STEP3_LEADS)

    # the urgent one is withdrawn: its stage ends, nobody is asked any more, and no digest lists it
    moves.withdraw(moves.Withdraw(dispute_id=urgent, by="amara.okafor", reason="Sorted."), uow=tk.uow(), now=at(2026, 11, 4, 12))
    assert all(d != urgent for d, *_ in _asked(tk))
    day4 = _digests(tk, at(2026, 11, 5, 10))
    assert day4 == _expected(tk) == {p: (["CSC-2026-0002"], 1) for p in STEP3_LEADS}


def test_a_lead_with_more_than_the_digest_lists_gets_the_soonest_due_and_a_count(engine):
    tk = keeper(engine, BRADFORD)
    count = due_work.DIGEST_TOP + 3
    for i in range(count):  # each opened three minutes after the one before: deadlines in the same order
        open_dispute(tk, at(2026, 11, 2, 9, 3 * i), immediate_risk=True, reference=f"CSC-2026-{i + 1:04d}")
    digests = _digests(tk, at(2026, 11, 2, 11))
    assert set(digests) == STEP3_LEADS
    soonest = _soonest(tk, due_work.DIGEST_TOP)
    assert all((sorted(listed), total) == (soonest, count) for listed, total in digests.values())
    with tk.uow() as uow:
        waiting = {p: (n, ids) for p, n, ids in uow.disputes.waiting_on_leads(due_work.DIGEST_TOP)}
        assert set(waiting) == STEP3_LEADS
        listed = uow.disputes.get_many(waiting["ben.hughes"][1])
    assert sorted(d.reference for d in listed.values()) == soonest


def _soonest(tk, n):
    """The references of the n active disputes due soonest (ties in id order, as the digest breaks them)."""
    with tk.sessions() as s:
        rows = s.execute(select(DisputeRow.reference).where(DisputeRow.active.is_(True)).order_by(DisputeRow.deadline, DisputeRow.id).limit(n))
        return sorted(r for (r,) in rows)


def _texts(node):
    if isinstance(node, dict):
        return [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return [node] if isinstance(node, str) else []


def test_the_digest_says_how_many_more_wait_beyond_those_it_lists(engine):
    notifier = Notifiers(
        SlackNotifier(BRADFORD, team=CSC_WORKSPACE, channel="C0PARLEY"),
        TeamsNotifier(BRADFORD, tenant=POLICE_TENANT, channel="19:parley@thread.tacv2"),
    )
    tk = keeper(engine, BRADFORD, notifier=notifier)
    count = due_work.DIGEST_TOP + 3
    for i in range(count):
        open_dispute(tk, at(2026, 11, 2, 9, 3 * i), immediate_risk=True, reference=f"CSC-2026-{i + 1:04d}")
    tk.run_due_work(at(2026, 11, 2, 11))
    with tk.sessions() as s:
        digests = list(s.scalars(select(OutboxRow).where(OutboxRow.key.like("digest:%"))))
    assert {r.platform for r in digests} == {"slack", "teams"}
    for row in digests:
        texts = _texts(row.payload)
        listed = [f"CSC-2026-{i + 1:04d}" for i in range(count) if any(f"CSC-2026-{i + 1:04d}" in t for t in texts)]
        assert listed == _soonest(tk, due_work.DIGEST_TOP), row.platform
        assert any("…and 3 more." in t for t in texts), row.platform
        assert any(f"{count} professional disagreements" in t for t in texts), row.platform


def test_a_short_digest_has_no_more_line(engine):
    notifier = Notifiers(
        SlackNotifier(BRADFORD, team=CSC_WORKSPACE, channel="C0PARLEY"),
        TeamsNotifier(BRADFORD, tenant=POLICE_TENANT, channel="19:parley@thread.tacv2"),
    )
    tk = keeper(engine, BRADFORD, notifier=notifier)
    open_dispute(tk, at(2026, 11, 2, 9), immediate_risk=True, reference="CSC-2026-0001")
    open_dispute(tk, at(2026, 11, 2, 9, 5), immediate_risk=True, reference="CSC-2026-0002")
    tk.run_due_work(at(2026, 11, 2, 11))
    with tk.sessions() as s:
        digests = list(s.scalars(select(OutboxRow).where(OutboxRow.key.like("digest:%"))))
    assert {r.platform for r in digests} == {"slack", "teams"}
    for row in digests:
        texts = _texts(row.payload)
        assert not any("more." in t for t in texts), row.platform
        assert any("2 professional disagreements" in t for t in texts), row.platform


def test_the_migration_fills_the_asked_rows_from_the_active_disputes(engine):
    from alembic import command
    from alembic.script import ScriptDirectory

    from storage.db import _alembic_config, upgrade

    tk = keeper(engine, BRADFORD)
    open_dispute(tk, at(2026, 11, 2, 10), immediate_risk=True, reference="CSC-2026-0001")
    plain = open_dispute(tk, at(2026, 11, 2, 10, 5), reference="CSC-2026-0002")
    closed = open_dispute(tk, at(2026, 11, 2, 10, 10), reference="CSC-2026-0003")
    moves.withdraw(moves.Withdraw(dispute_id=closed, by="amara.okafor", reason="Sorted."), uow=tk.uow(), now=at(2026, 11, 2, 11))
    kept = _asked(tk)
    assert kept and {d for d, *_ in kept} >= {plain} and all(d != closed for d, *_ in kept)
    config = _alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0014").down_revision
    command.downgrade(config, str(before))  # the table goes; the disputes stay
    upgrade(engine)
    assert _asked(tk) == kept
