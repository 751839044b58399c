"""Building the record's view (bot.export.RecordView) from a dispute, its entries, its access log
and the state of its hash chain: names for ids, the step names for stages, one time format."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.directory import Directory
from bot.dispute import OTHER, RAISER, Dispute
from bot.export import (
    ENDINGS,
    Access,
    AccessRow,
    ChainState,
    ChainView,
    ChallengeView,
    ConfirmationView,
    Cover,
    EntryView,
    EscalationView,
    PartyView,
    ProposalView,
    RecordView,
    StageRow,
    when,
)
from bot.policy import Policy
from bot.record import RecordEntry


class Names:
    """Who and what the ids in a record stand for, as people read them."""

    def __init__(self, directory: Directory, policy: Policy) -> None:
        self.directory = directory
        self.policy = policy

    def person(self, person_id: str | None) -> str:
        if person_id is None:
            return "Parley"
        person = self.directory.person(person_id)
        return person.name if person else "someone no longer in the directory"

    def agency(self, agency_id: str) -> str:
        return self.directory.agency_name(agency_id)

    def stage(self, stage_id: str, fallback: str = "") -> str:
        try:
            return self.policy.stages[self.policy.stage_index(stage_id)].name
        except KeyError:
            return fallback or stage_id

    def people(self, ids: list[str]) -> tuple[str, ...]:
        return tuple(self.person(p) for p in ids)

    def asked(self, asked: list[list[str]]) -> tuple[str, ...]:
        return tuple(f"{self.person(p)} ({role.replace('_', ' ')}, {self.agency(agency)})" for p, _, agency, role in asked)


def entry_fields(entry: RecordEntry, n: Names) -> tuple[tuple[str, Any], ...]:  # noqa: C901 - over 12 branches; noted for simplification
    """An entry's details as (label key, value) pairs, in the order the export shows them."""
    d = entry.details
    match entry.kind:
        case "opened":
            return (
                ("category", d["category"]),
                ("problem", d["problem"]),
                ("cause", d["cause"]),
                ("outcome", d["outcome"]),
                ("discussed", bool(d["discussed"])),
                ("immediate_risk", bool(d["immediate_risk"])),
            )
        case "stage started":
            return (
                ("stage", n.stage(d["stage_id"], d["stage_name"])),
                ("due", when(datetime.fromisoformat(d["deadline"]))),
                ("asked", n.asked(d["asked"])),
                *(("flag", flag) for flag in d["flags"]),
            )
        case "formal challenge lodged":
            return (("stage", n.stage(d["stage_id"])),)
        case "note":
            return (("text", d["text"]),)
        case "escalated":
            return (
                ("from_stage", n.stage(d["from_stage"])),
                ("to_stage", n.stage(d["to_stage"])),
                ("reason", d["reason"]),
                ("waiting_on", n.people(d["waiting_on"])),
                *((("proposal_lapsed", True),) if d.get("proposal_lapsed") else ()),
            )
        case "resolution proposed":
            return (
                ("agreed_outcome", d["agreed_outcome"]),
                ("outstanding_issues", d["outstanding_issues"]),
                ("learning_points", d["learning_points"]),
            )
        case "resolution confirmed":
            return (("side", d["side"]), ("statement", d["statement"]))
        case "resolution not agreed":
            return (("side", d["side"]), ("reason", d["reason"]))
        case "resolved":
            return (("learning_to", d["learning_to"].replace("_", " ")), ("learning_group", d["learning_group"]))
        case "timescale missed":
            return (
                ("stage", n.stage(d["stage_id"])),
                ("due", when(datetime.fromisoformat(d["deadline"]))),
                ("waiting_on", n.people(d["waiting_on"])),
            )
        case "person unreachable":
            return (
                ("person", n.person(d["person_id"])),
                ("agency", n.agency(d["agency"])),
                ("platform", d["platform"]),
                ("reason", d["reason"]),
            )
        case "closed: decision unchanged, disagreement remains" | "withdrawn":
            return (("reason", d["reason"]),)
        case "learning points given":
            return (
                ("learning_points", d["learning_points"]),
                ("debrief_wanted", bool(d["debrief_wanted"])),
                ("procedure_unclear", bool(d["procedure_unclear"])),
                ("themes", tuple(d["themes"])),
            )
        case "legal hold placed" | "legal hold released":
            return (("by_name", d.get("by_name") or n.person(entry.actor)), ("reason", d["reason"]))
    return tuple((key, str(value)) for key, value in sorted(d.items()))


def stage_rows(entries: list[RecordEntry], n: Names, now: datetime) -> tuple[StageRow, ...]:
    """One row per stage the dispute entered: who was asked, when it was due, and how it ended."""
    rows: list[StageRow] = []
    current: dict[str, Any] | None = None

    def close(ended: str, at: datetime | None) -> None:
        nonlocal current
        if current is None:
            return
        due: datetime = current["due"]
        missed = current["missed"] or (at is not None and at > due) or (at is None and now > due)
        timescale = "missed" if missed else ("met" if at is not None else "running")
        rows.append(StageRow(current["stage"], current["asked"], when(current["started"]), when(due), timescale, ended))
        current = None

    for e in entries:
        d = e.details
        match e.kind:
            case "stage started":
                close("", e.at)
                current = {
                    "stage": n.stage(d["stage_id"], d["stage_name"]),
                    "asked": n.asked(d["asked"]),
                    "started": e.at,
                    "due": datetime.fromisoformat(d["deadline"]),
                    "missed": False,
                }
            case "timescale missed" if current is not None:
                current["missed"] = True
            case "escalated":
                if current is not None and d["automatic"]:
                    current["missed"] = True
                close("escalated: timescale missed" if d["automatic"] else "escalated", e.at)
            case kind if kind in ENDINGS:
                close("closed" if kind.startswith("closed") else kind, e.at)
    close("", None)
    return tuple(rows)


def _chain(state: ChainState) -> ChainView:
    return ChainView(
        entries=state.entries,
        head=state.head or "",
        verified=state.verified,
        first_bad=state.first_bad_seq,
        first_bad_kind=state.first_bad_kind or "",
        first_bad_when=when(state.first_bad_at) if state.first_bad_at else "",
        problem=state.problem,
    )


def record_view(
    dispute: Dispute,
    entries: list[RecordEntry],
    *,
    directory: Directory,
    policy: Policy,
    access: list[Access],
    chain: ChainState,
    generated_by: str,
    now: datetime,
) -> RecordView:
    """Everything the export shows, in order, as plain data."""
    n = Names(directory, policy)
    partnership, _, procedure = policy.title.partition(" - ")
    by = directory.person(generated_by)
    cover = Cover(
        partnership=partnership,
        procedure=procedure or policy.title,
        reference=dispute.reference,
        category=dispute.category,
        status=dispute.status.value,
        opened=when(dispute.opened_at),
        closed=when(dispute.closed_at) if dispute.closed_at else None,
        generated_at=when(now),
        generated_by=f"{by.name} ({', '.join(n.agency(a) for a in by.agencies)})" if by else n.person(generated_by),
    )
    other_name = n.person(dispute.other.person_id) if dispute.other.person_id else (dispute.other.description or "")
    parties = (
        PartyView(RAISER, n.person(dispute.raiser.person_id), n.agency(dispute.raiser.agency)),
        PartyView(OTHER, other_name, n.agency(dispute.other.agency)),
    )
    ordered = sorted(entries, key=lambda e: (e.at, e.seq))
    views = tuple(EntryView(e.seq, when(e.at), n.person(e.actor), e.kind, entry_fields(e, n)) for e in ordered)
    escalations = tuple(
        EscalationView(
            when(e.at),
            n.person(e.actor),
            n.stage(e.details["from_stage"]),
            n.stage(e.details["to_stage"]),
            e.details["reason"],
            bool(e.details["automatic"]),
            n.people(e.details["waiting_on"]),
        )
        for e in ordered
        if e.kind == "escalated"
    )
    challenges = tuple(
        ChallengeView(when(e.at), n.person(e.actor), n.stage(e.details["stage_id"]))
        for e in ordered
        if e.kind == "formal challenge lodged"
    )
    last = max((i for i, e in enumerate(ordered) if e.kind == "resolution proposed"), default=None)
    proposal = None
    confirmations: tuple[ConfirmationView, ...] = ()
    if last is not None:
        p = ordered[last]
        proposal = ProposalView(
            when(p.at), n.person(p.actor), p.details["agreed_outcome"], p.details["outstanding_issues"], p.details["learning_points"]
        )
        after = ordered[last:]
        if not any(e.kind in ("resolution not agreed", "escalated") for e in after):  # else it fell: only in the entries
            confirmations = tuple(
                ConfirmationView(when(e.at), n.person(e.actor), e.details["side"], e.details["statement"])
                for e in after
                if e.kind == "resolution confirmed"
            )
        else:
            proposal = None
    access_rows = tuple(
        AccessRow(when(a.at), n.person(a.person_id) if directory.person(a.person_id) else "someone not in the directory",
                  a.action, a.format, a.channel, a.allowed)
        for a in access
    )
    return RecordView(
        cover=cover,
        parties=parties,
        stages=stage_rows(ordered, n, now),
        entries=views,
        escalations=escalations,
        challenges=challenges,
        proposal=proposal,
        confirmations=confirmations,
        access=access_rows,
        chain=_chain(chain),
    )
