"""A policy as a plain-text table, for `app.py policy show` and the README."""

from __future__ import annotations

from bot.policy import Policy

EMPTY_DIRECTORY = (
    "{path} lists nobody: loading it would remove everyone from Parley's directory. Nothing was changed."
    " If that is what you want, run it again with --allow-empty."
)


def _roles(policy: Policy, roles: tuple[str, ...]) -> str:
    return ", ".join(policy.role_label(r) for r in roles) or "-"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _the(group: str) -> str:
    """'the LSCB sub-group', without doubling a 'the' the policy already wrote."""
    return group if group.lower().startswith("the ") else f"the {group}"


def policy_table(policy: Policy) -> str:
    """Stages, who is involved on each side, timescales and what happens when they run out."""
    rows = [
        [
            str(i + 1),
            stage.name,
            _roles(policy, stage.each_agency),
            _roles(policy, stage.partnership),
            stage.timescale.describe(),
            "escalate" if stage.when_missed.value == "escalate" else "remind and wait",
            ", ".join(n.value for n in stage.nudges) or "-",
        ]
        for i, stage in enumerate(policy.stages)
    ]
    out = [
        f"{policy.title}",
        f"Preset '{policy.name}'" + (f", built from {policy.source}" if policy.source else ""),
        "",
        _table(["#", "Stage", "Each agency", "Partnership", "Timescale", "When missed", "Nudges"], rows),
        "",
        f"Immediate risk of significant harm: starts at '{policy.stages[policy.stage_index(policy.urgent.starts_at)].name}', "
        f"every stage {policy.urgent.timescale.describe()}.",
        f"Learning points go to the {policy.role_label(policy.learning_to)} for {_the(policy.learning_group)}.",
        f"Working hours {policy.working_day_start:%H:%M}-{policy.working_day_end:%H:%M}, "
        f"bank holidays: {policy.bank_holidays}.",
    ]
    if policy.learning.case_review_prompt:
        out.append("Closing asks whether to consider a multi-agency case review.")
    if policy.between_agencies_only:
        out.append("Only for disagreements between agencies: inside one agency, its in-house procedure applies.")
    if policy.case_references:
        forms = ", ".join(f"{f.examples[0]} ({f.name})" for f in policy.case_references)
        out.append(f"Case references accepted: {forms}.")
    out.append(f"Closed disagreements are {policy.retention.describe()}.")
    if policy.formal_challenge_from:
        stage = policy.stages[policy.stage_index(policy.formal_challenge_from)]
        out.append(f"Recorded as a formal challenge from '{stage.name}'.")
    out.append("")
    out.append("Categories offered at intake:")
    out += [f"  - {c}" for c in policy.categories]
    if policy.notes:
        out.append("")
        out.append("Notes:")
        out += [f"  - {n}" for n in policy.notes]
    return "\n".join(out)
