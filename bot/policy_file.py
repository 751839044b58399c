"""Reading and checking a policy file: every problem collected, each with its line and a plain reason.

Files are read into plain mappings elsewhere (handlers/files.py); everything here works on
those, so the core stays free of YAML. Every problem is collected, not just the first, so a
business manager can fix a file in one go, and each message is written for them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.file_checks import NAME, as_word, did_you_mean
from bot.policy import (
    BANK_HOLIDAY_REGIONS,
    RELATIVE_ROLES,
    CountedFrom,
    InvalidPolicy,
    Nudge,
    Policy,
    Sides,
    Stage,
    Timescale,
    TimescaleKind,
    UrgentPath,
    WhenMissed,
)
from bot.policy_sections import Sections, parse_timescale
from bot.problems import LineOf, Path

DEFAULT_NUDGES = (Nudge.HALF_WAY, Nudge.DUE_DAY_MORNING)
DEFAULT_WORKING_HOURS = "09:00-17:00"
MIN_STAGES = 2

_TOP_REQUIRED = ("name", "title", "roles", "categories", "learning", "urgent", "stages")
_TOP_OPTIONAL = (
    "source", "working_hours", "bank_holidays", "digest", "formal_challenge_from", "notes",
    "case_references", "between_agencies_only", "retention",
)  # fmt: skip
_STAGE_REQUIRED = ("id", "name", "timescale")
_STAGE_OPTIONAL = ("each_agency", "partnership", "counted_from", "when_missed", "nudges", "guidance", "sides")
_URGENT_REQUIRED = ("starts_at", "timescale")
_URGENT_OPTIONAL = ("counted_from", "guidance")

_WORKING_HOURS = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(?:-|–|to)\s*(\d{1,2})[:.](\d{2})$")

# How to add a required setting that is missing, shown after "'x' is missing; ".
_HOW_TO_ADD: dict[tuple[Path, str], str] = {
    ((), "name"): "add a line like this: name: bradford",
    ((), "title"): "add a line like this: title: Bradford District Safeguarding Children Partnership",
    ((), "roles"): "add a 'roles:' section with an 'agency:' list and a 'partnership:' list",
    ((), "categories"): "add a 'categories:' list of the areas of disagreement people can choose from",
    ((), "learning"): "add a 'learning:' section with 'to:' (a partnership role) and 'group:'",
    ((), "urgent"): "add an 'urgent:' section with 'starts_at:' (a stage id) and 'timescale:'",
    ((), "stages"): "add a 'stages:' list with at least 2 stages",
    (("stages",), "id"): "add a line like this: id: managers",
    (("stages",), "name"): "add a line like this: name: Step 3 - Managers talk",
    (("stages",), "timescale"): "add a line like this: timescale: 5 working days",
    (("urgent",), "starts_at"): "add a line like this: starts_at: managers",
    (("urgent",), "timescale"): "add a line like this: timescale: same working day",
    (("learning",), "to"): "add a line like this: to: board_manager",
    (("learning",), "group"): "add a line like this: group: Learning sub-group",
}


def parse_policy(data: object, line_of: LineOf = lambda path: None) -> Policy:
    """Check a policy read from a file and build it; raise InvalidPolicy listing every error with its line."""
    return _PolicyParser(line_of).parse(data)


@dataclass
class _RawStage:
    label: str  # how messages name the stage: "stage 'managers'", or "stage 3" when its id is unusable
    id: str | None
    path: Path
    name: str = ""
    each_agency: tuple[str, ...] = ()
    partnership: tuple[str, ...] = ()
    timescale: Timescale | None = None
    when_missed: WhenMissed | None = WhenMissed.ESCALATE  # None when the file's value is unreadable
    nudges: tuple[Nudge, ...] = DEFAULT_NUDGES
    guidance: str = ""
    sides: Sides = Sides.BOTH


class _PolicyParser(Sections):
    how_to_add = _HOW_TO_ADD

    # The whole file.

    def parse(self, data: object) -> Policy:
        if data is None:
            self.error((), "the file is empty; a policy needs at least: " + ", ".join(_TOP_REQUIRED))
            raise InvalidPolicy(self.errors)
        if not isinstance(data, Mapping):
            self.error((), "the file should be a set of settings, one per line, starting with 'name: ...'")
            raise InvalidPolicy(self.errors)
        self.keys(data, (), _TOP_REQUIRED, _TOP_OPTIONAL, prefix="", what="setting")

        name = self.word(data, "name")
        title = self.text(data, (), "title", "") if "title" in data else ""
        source = self.text(data, (), "source", "", required=False)
        agency_roles, partnership_roles = self.roles(data)
        categories = self.categories(data)
        start, end = self.working_hours(data.get("working_hours", DEFAULT_WORKING_HOURS))
        bank_holidays = self.bank_holidays(data.get("bank_holidays", BANK_HOLIDAY_REGIONS[0]))
        digest = self.flag(data, "digest")
        stages = self.stages(data, agency_roles, partnership_roles)
        stage_ids = [s.id for s in stages if s.id]
        urgent = self.urgent(data.get("urgent"), stage_ids)
        formal_from = self.formal_challenge_from(data.get("formal_challenge_from"), stage_ids)
        learning_to, learning_group, learning = self.learning(data.get("learning"), partnership_roles)
        notes = self.notes(data.get("notes"))
        case_references = self.case_references(data.get("case_references"))
        between_agencies_only = self.flag(data, "between_agencies_only")
        retention = self.retention(data.get("retention"))
        raw_roles = data.get("roles")
        role_names = self.role_names(
            raw_roles.get("names") if isinstance(raw_roles, Mapping) else None,
            ("roles", "names"),
            RELATIVE_ROLES + agency_roles + partnership_roles,
        )

        if self.errors or urgent is None:
            # Problems about the whole file come first, then the rest in the order of the file.
            raise InvalidPolicy(sorted(self.errors, key=lambda e: (e.line is not None, e.line or 0)))
        return Policy(
            name=name,
            title=title,
            source=source,
            stages=tuple(
                Stage(
                    id=s.id or "",
                    name=s.name,
                    each_agency=s.each_agency,
                    partnership=s.partnership,
                    timescale=s.timescale or Timescale(TimescaleKind.SAME_WORKING_DAY),
                    when_missed=s.when_missed or WhenMissed.REMIND,
                    nudges=s.nudges,
                    guidance=s.guidance,
                    sides=s.sides,
                )
                for s in stages
            ),
            urgent=urgent,
            categories=categories,
            agency_roles=agency_roles,
            partnership_roles=partnership_roles,
            learning_to=learning_to,
            learning_group=learning_group,
            formal_challenge_from=formal_from,
            working_day_start=start,
            working_day_end=end,
            bank_holidays=bank_holidays,
            digest=digest,
            notes=notes,
            case_references=case_references,
            between_agencies_only=between_agencies_only,
            role_names=role_names,
            learning=learning,
            retention=retention,
        )

    # Sections.

    def working_hours(self, raw: object) -> tuple[time, time]:
        path: Path = ("working_hours",)
        default = (time(9, 0), time(17, 0))
        example = 'write it like "09:00-17:00", in quotes'
        if not isinstance(raw, str):
            self.error(path, f"working_hours: Parley can't read {raw!r}; {example}")
            return default
        match = _WORKING_HOURS.match(raw.strip())
        if match is None:
            self.error(path, f"working_hours: Parley can't read '{raw}'; {example}")
            return default
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if max(h1, h2) > 23 or max(m1, m2) > 59:
            self.error(path, f"working_hours: '{raw}' is not a time of day on a 24-hour clock; {example}")
            return default
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            self.error(path, f"working_hours: the working day must end after it starts, but '{raw}' ends first")
            return default
        return start, end

    def bank_holidays(self, raw: object) -> str:
        if isinstance(raw, str) and raw in BANK_HOLIDAY_REGIONS:
            return raw
        self.error(
            ("bank_holidays",),
            f"bank_holidays: unknown region '{raw}'{did_you_mean(raw, BANK_HOLIDAY_REGIONS)};"
            f" choose one of: {', '.join(BANK_HOLIDAY_REGIONS)}",
        )
        return BANK_HOLIDAY_REGIONS[0]

    def stages(
        self, data: Mapping[Any, Any], agency_roles: tuple[str, ...], partnership_roles: tuple[str, ...]
    ) -> list[_RawStage]:
        path: Path = ("stages",)
        if "stages" not in data:
            return []  # reported as missing
        raw = data["stages"]
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            self.error(path, "stages should be a list, with each stage starting on a line '- id: ...'")
            return []
        if len(raw) < MIN_STAGES:
            has = "has no stages" if not raw else "has only 1 stage"
            self.error(
                path,
                f"a policy needs at least {MIN_STAGES} stages, so there is somewhere to escalate to; this one {has}",
            )
        stages: list[_RawStage] = []
        first_line: dict[str, int | None] = {}
        for n, item in enumerate(raw):
            stage = self.stage(item, path + (n,), n, agency_roles, partnership_roles)
            if stage is None:
                continue
            stages.append(stage)
            if stage.id is None:
                continue
            if stage.id in first_line:
                where = f" (the first is on line {first_line[stage.id]})" if first_line[stage.id] else ""
                self.error(
                    stage.path + ("id",), f"two stages have the id '{stage.id}'{where}; give each stage its own id"
                )
            else:
                first_line[stage.id] = self.line(stage.path + ("id",))
        if stages and isinstance(raw[-1], Mapping) and stages[-1].when_missed is WhenMissed.ESCALATE:
            last = stages[-1]
            said = "when_missed" in raw[-1]
            self.error(
                last.path + (("when_missed",) if said else ()),
                f"{last.label} is the last stage, so there is nothing to escalate to"
                f"{'' if said else ' (escalate is what Parley does when when_missed is left out)'};"
                " set 'when_missed: remind' so the people at this stage are reminded instead",
            )
        return stages

    def stage(
        self,
        raw: object,
        path: Path,
        n: int,
        agency_roles: tuple[str, ...],
        partnership_roles: tuple[str, ...],
    ) -> _RawStage | None:
        if not isinstance(raw, Mapping):
            self.error(path, f"stage {n + 1} should be a set of settings, starting on a line '- id: ...'")
            return None
        stage_id = raw.get("id")
        usable_id = isinstance(stage_id, str) and bool(NAME.match(stage_id))
        label = f"stage '{stage_id}'" if usable_id else f"stage {n + 1}"
        stage = _RawStage(label=label, id=stage_id if usable_id else None, path=path)
        self.keys(raw, path, _STAGE_REQUIRED, _STAGE_OPTIONAL, prefix=f"{label}: ", what="setting", missing_at=path)
        if "id" in raw and not usable_id:
            self.error(
                path + ("id",),
                f"{label}: the id '{stage_id}' should be one short word in lower case, like"
                f" {as_word(stage_id, '_') or 'managers'}; other settings use it to refer to this stage",
            )
        stage.name = self.text(raw, path, "name", f"{label}: ") if "name" in raw else ""
        stage.guidance = self.text(raw, path, "guidance", f"{label}: ", required=False)
        counted_from = self.choice(raw, path, "counted_from", CountedFrom, label) or CountedFrom.STAGE_START
        if "timescale" in raw:
            stage.timescale = self.timescale(raw["timescale"], path + ("timescale",), counted_from, label)
        stage.when_missed = (
            self.choice(raw, path, "when_missed", WhenMissed, label) if "when_missed" in raw else WhenMissed.ESCALATE
        )
        stage.nudges = self.nudges(raw, path, label)
        stage.sides = self.choice(raw, path, "sides", Sides, label) or Sides.BOTH
        stage.each_agency = self.stage_roles(
            raw.get("each_agency"), path + ("each_agency",), label, "each_agency",
            known=RELATIVE_ROLES + agency_roles, elsewhere=partnership_roles, elsewhere_key="partnership",
        )  # fmt: skip
        stage.partnership = self.stage_roles(
            raw.get("partnership"), path + ("partnership",), label, "partnership",
            known=partnership_roles, elsewhere=RELATIVE_ROLES + agency_roles, elsewhere_key="each_agency",
        )  # fmt: skip
        if not raw.get("each_agency") and not raw.get("partnership"):
            self.error(
                path,
                f"{label} involves nobody: say who takes part under 'each_agency' (for example"
                " [line_manager]) or 'partnership' (for example [board_manager])",
            )
        return stage

    def stage_roles(
        self,
        raw: object,
        path: Path,
        label: str,
        key: str,
        *,
        known: tuple[str, ...],
        elsewhere: tuple[str, ...],
        elsewhere_key: str,
    ) -> tuple[str, ...]:
        roles: list[str] = []
        section = "agency" if key == "each_agency" else "partnership"
        for n, role in self.text_list(raw, path, f"{label}: {key}", "[line_manager, safeguarding_lead]"):
            if role in known:
                if role not in roles:
                    roles.append(role)
            elif role in elsewhere:
                self.error(path + (n,), f"{label}: '{role}' belongs under '{elsewhere_key}', not under '{key}'")
            else:
                listed = ", ".join(known) if known else f"none yet: list them under 'roles: {section}'"
                self.error(
                    path + (n,),
                    f"{label}: unknown role '{role}'{did_you_mean(role, known)} (known: {listed});"
                    f" a new role must first be listed under 'roles: {section}'",
                )
        return tuple(roles)

    def nudges(self, raw: Mapping[Any, Any], path: Path, label: str) -> tuple[Nudge, ...]:
        if "nudges" not in raw:
            return DEFAULT_NUDGES
        options = tuple(n.value for n in Nudge)
        nudges: list[Nudge] = []
        for n, text in self.text_list(raw["nudges"], path + ("nudges",), f"{label}: nudges", "[half way, at deadline]"):
            value = " ".join(text.lower().split())
            if value not in options:
                self.error(
                    path + ("nudges", n),
                    f"{label}: unknown nudge '{text}'{did_you_mean(value, options)}; choose from: {', '.join(options)}",
                )
            elif Nudge(value) not in nudges:
                nudges.append(Nudge(value))
        return tuple(nudges)

    def timescale(self, raw: object, path: Path, counted_from: CountedFrom, label: str) -> Timescale | None:
        try:
            return parse_timescale(raw if raw is not None else "", counted_from)  # type: ignore[arg-type]
        except ValueError as e:
            self.error(path, f"{label}: {e}")
            return None

    def urgent(self, raw: object, stage_ids: list[str]) -> UrgentPath | None:
        path: Path = ("urgent",)
        if raw is None:
            return None  # reported as missing
        if not isinstance(raw, Mapping):
            self.error(path, "urgent should have settings under it: starts_at, timescale and guidance")
            return None
        self.keys(raw, path, _URGENT_REQUIRED, _URGENT_OPTIONAL, prefix="urgent: ", what="setting", missing_at=path)
        starts_at = raw.get("starts_at")
        if "starts_at" in raw and not self.stage_ref(starts_at, path + ("starts_at",), "urgent: starts_at", stage_ids):
            starts_at = None
        counted_from = self.choice(raw, path, "counted_from", CountedFrom, "urgent") or CountedFrom.STAGE_START
        timescale = None
        if "timescale" in raw:
            timescale = self.timescale(raw["timescale"], path + ("timescale",), counted_from, "urgent")
        guidance = self.text(raw, path, "guidance", "urgent: ", required=False)
        if timescale is None or not isinstance(starts_at, str):
            return None
        return UrgentPath(starts_at=starts_at, timescale=timescale, guidance=guidance)

    def formal_challenge_from(self, raw: object, stage_ids: list[str]) -> str | None:
        if raw is None:
            return None
        ok = self.stage_ref(raw, ("formal_challenge_from",), "formal_challenge_from", stage_ids)
        return raw if ok and isinstance(raw, str) else None

    def stage_ref(self, raw: object, path: Path, label: str, stage_ids: list[str]) -> bool:
        if isinstance(raw, str) and raw in stage_ids:
            return True
        if stage_ids:  # with no usable stages there is nothing to compare against, and that is reported already
            self.error(
                path,
                f"{label}: there is no stage with the id '{raw}'{did_you_mean(raw, stage_ids)};"
                f" the stage ids are: {', '.join(stage_ids)}",
            )
        return False
