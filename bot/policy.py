"""Escalation policies: the stages of a partnership's procedure, who acts at each, and their timescales.

The types here are the core's view of a policy. Files are read elsewhere (handlers/files.py)
into plain mappings and handed to `parse_policy`, which validates them and reports every
error with its line.
"""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import TypeVar

from bot.problems import InvalidFile, LineOf, Path, Problem

# Roles that are relative to a party rather than held in an agency.
PRACTITIONER = "practitioner"
LINE_MANAGER = "line_manager"
RELATIVE_ROLES = (PRACTITIONER, LINE_MANAGER)


class TimescaleKind(enum.Enum):
    SAME_WORKING_DAY = "same working day"
    HOURS = "hours"  # elapsed clock hours
    WORKING_HOURS = "working hours"
    WORKING_DAYS = "working days"


class CountedFrom(enum.Enum):
    STAGE_START = "stage start"
    FIRST_ALERT = "first alert"


class WhenMissed(enum.Enum):
    ESCALATE = "escalate"
    REMIND = "remind"


class Sides(enum.Enum):
    BOTH = "both"  # each_agency roles are asked in both agencies
    RAISER = "raiser"  # only the challenging professional's agency (e.g. reflecting with co-workers first)


class Nudge(enum.Enum):
    HALF_WAY = "half way"
    DUE_DAY_MORNING = "morning of due day"
    AT_DEADLINE = "at deadline"


@dataclass(frozen=True)
class Timescale:
    kind: TimescaleKind
    amount: int = 0  # unused for SAME_WORKING_DAY
    counted_from: CountedFrom = CountedFrom.STAGE_START

    def describe(self) -> str:
        """Plain words, e.g. '5 working days from entering the stage'."""
        if self.kind is TimescaleKind.SAME_WORKING_DAY:
            what = "same working day"
        else:
            unit = self.kind.value
            if self.amount == 1:
                unit = unit[:-1]
            what = f"{self.amount} {unit}"
        where = "from entering the stage" if self.counted_from is CountedFrom.STAGE_START else "from first alert"
        return f"{what} {where}"


@dataclass(frozen=True)
class Stage:
    id: str
    name: str
    each_agency: tuple[str, ...]  # practitioner | line_manager | an agency role, for both sides
    partnership: tuple[str, ...]  # partnership roles involved (not tied to a side)
    timescale: Timescale
    when_missed: WhenMissed
    nudges: tuple[Nudge, ...]
    guidance: str = ""  # one or two lines from the source, shown to people at this stage
    sides: Sides = Sides.BOTH

    @property
    def roles(self) -> tuple[str, ...]:
        return self.each_agency + self.partnership


@dataclass(frozen=True)
class UrgentPath:
    starts_at: str  # stage id
    timescale: Timescale  # applies to every stage on the urgent path
    guidance: str = ""


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    source: str  # the seed file this preset is built from, or "" for a local file
    stages: tuple[Stage, ...]
    urgent: UrgentPath
    categories: tuple[str, ...]
    agency_roles: tuple[str, ...]
    partnership_roles: tuple[str, ...]
    learning_to: str  # partnership role that receives learning points
    learning_group: str  # where that role takes them, e.g. "LSCB sub-group"
    formal_challenge_from: str | None = None  # stage id from which the challenge is recorded as formal
    working_day_start: time = time(9, 0)
    working_day_end: time = time(17, 0)
    bank_holidays: str = "england-and-wales"
    digest: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def stage_index(self, stage_id: str) -> int:
        """Index of the stage with this id; KeyError if there is none."""
        for i, stage in enumerate(self.stages):
            if stage.id == stage_id:
                return i
        raise KeyError(stage_id)

    @property
    def last_index(self) -> int:
        return len(self.stages) - 1


BANK_HOLIDAY_REGIONS = ("england-and-wales", "scotland", "northern-ireland")


# --- Reading and checking a policy file ---------------------------------------------------------
#
# Files are read into plain mappings elsewhere (handlers/files.py); everything here works on
# those, so the core stays free of YAML. Every problem is collected, not just the first, so a
# business manager can fix a file in one go, and each message is written for them.

_E = TypeVar("_E", bound=enum.Enum)

DEFAULT_NUDGES = (Nudge.HALF_WAY, Nudge.DUE_DAY_MORNING)
DEFAULT_WORKING_HOURS = "09:00-17:00"
MIN_STAGES = 2

_TOP_REQUIRED = ("name", "title", "roles", "categories", "learning", "urgent", "stages")
_TOP_OPTIONAL = ("source", "working_hours", "bank_holidays", "digest", "formal_challenge_from", "notes")
_STAGE_REQUIRED = ("id", "name", "timescale")
_STAGE_OPTIONAL = ("each_agency", "partnership", "counted_from", "when_missed", "nudges", "guidance", "sides")
_URGENT_REQUIRED = ("starts_at", "timescale")
_URGENT_OPTIONAL = ("counted_from", "guidance")
_LEARNING_REQUIRED = ("to", "group")
_ROLES_OPTIONAL = ("agency", "partnership")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ROLE = re.compile(r"^[a-z][a-z0-9_]*$")
_TIMESCALE = re.compile(r"^(?:within\s+)?([+-]?\d+)\s+(working\s+)?(hours?|days?)$")
_WORKING_HOURS = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(?:-|–|to)\s*(\d{1,2})[:.](\d{2})$")
_FIGURES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twelve": 12, "twenty-four": 24, "forty-eight": 48, "seventy-two": 72,
}  # fmt: skip
_TIMESCALE_EXAMPLES = "'5 working days', '1 working day', '24 hours', '4 working hours' or 'same working day'"

# How to add a required setting that is missing, shown after "'x' is missing; ".
_HOW_TO_ADD = {
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


PolicyError = Problem


class InvalidPolicy(InvalidFile):
    """The policy has problems; `errors` lists every one, `source` names the file when known."""

    what = "escalation policy"


def parse_timescale(text: str, counted_from: CountedFrom = CountedFrom.STAGE_START) -> Timescale:
    """Read '5 working days', '24 hours', '4 working hours' or 'same working day'; ValueError says why not."""
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ValueError(f"write the timescale in words, like {_TIMESCALE_EXAMPLES}")
    if not isinstance(text, str):
        raise ValueError(f"the timescale '{text}' needs its unit too, for example '{text} working days'")
    words = " ".join(text.lower().split()).rstrip(".")
    if not words:
        raise ValueError(f"the timescale is empty; write it like {_TIMESCALE_EXAMPLES}")
    if words in ("same working day", "the same working day", "within the same working day"):
        return Timescale(TimescaleKind.SAME_WORKING_DAY, 0, counted_from)
    match = _TIMESCALE.match(words)
    if match is None:
        first, _, rest = words.removeprefix("within ").partition(" ")
        if first in _FIGURES:
            figures = f"{_FIGURES[first]} {rest}"
            try:  # suggest something that would itself be accepted
                parse_timescale(figures, counted_from)
            except ValueError as inner:
                raise ValueError(f"write the number in figures; {inner}") from None
            raise ValueError(f"write the number in figures: '{figures}' instead of '{text}'")
        raise ValueError(f"Parley can't read the timescale '{text}'; write it like {_TIMESCALE_EXAMPLES}")
    amount, working, unit = int(match.group(1)), bool(match.group(2)), match.group(3)
    if amount < 0:
        raise ValueError(f"the timescale '{text}' is negative; it must be at least 1")
    if amount == 0:
        raise ValueError(f"the timescale '{text}' is zero; it must be at least 1, or 'same working day'")
    if unit.startswith("day"):
        if not working:
            plural = "s" if amount != 1 else ""
            raise ValueError(f"Parley counts days as working days: write '{amount} working day{plural}'")
        return Timescale(TimescaleKind.WORKING_DAYS, amount, counted_from)
    return Timescale(TimescaleKind.WORKING_HOURS if working else TimescaleKind.HOURS, amount, counted_from)


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


class _PolicyParser:
    def __init__(self, line_of: LineOf) -> None:
        self._line_of = line_of
        self.errors: list[PolicyError] = []

    def line(self, path: Path) -> int | None:
        # Walk up the path so callers may ask about a key the file does not have.
        for n in range(len(path), -1, -1):
            line = self._line_of(path[:n])
            if line is not None:
                return line
        return None

    def error(self, path: Path | None, message: str) -> None:
        self.errors.append(PolicyError(self.line(path) if path is not None else None, message))

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
        learning_to, learning_group = self.learning(data.get("learning"), partnership_roles)
        notes = self.notes(data.get("notes"))

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
        )

    # Sections.

    def roles(self, data: Mapping) -> tuple[tuple[str, ...], tuple[str, ...]]:
        path: Path = ("roles",)
        raw = data.get("roles")
        if "roles" not in data:
            return (), ()  # reported as missing
        if not isinstance(raw, Mapping):
            self.error(path, "roles should have two lists under it, 'agency:' and 'partnership:'")
            return (), ()
        self.keys(raw, path, (), _ROLES_OPTIONAL, prefix="roles: ", what="list")
        agency = self.role_list(raw.get("agency"), path + ("agency",), "roles: agency")
        partnership = self.role_list(raw.get("partnership"), path + ("partnership",), "roles: partnership")
        for role in partnership:
            if role in RELATIVE_ROLES:
                self.error(
                    path + ("partnership",),
                    f"roles: '{role}' is always someone inside an agency, so it can't be a partnership role",
                )
            elif role in agency:
                self.error(
                    path + ("partnership",),
                    f"roles: '{role}' is listed under both agency and partnership; keep it in only one",
                )
        # practitioner and line_manager are always known; listing them under agency is harmless.
        return tuple(r for r in agency if r not in RELATIVE_ROLES), partnership

    def role_list(self, raw: object, path: Path, label: str) -> tuple[str, ...]:
        roles: list[str] = []
        for n, role in self.text_list(raw, path, label, "[safeguarding_lead, service_manager]"):
            if not _ROLE.match(role):
                self.error(
                    path + (n,),
                    f"{label}: '{role}' should be one word in lower case, with _ between words,"
                    f" like {_as_word(role, '_') or 'safeguarding_lead'}",
                )
            elif role not in roles:
                roles.append(role)
        return tuple(roles)

    def categories(self, data: Mapping) -> tuple[str, ...]:
        path: Path = ("categories",)
        if "categories" not in data:
            return ()  # reported as missing
        raw = data["categories"]
        items = self.text_list(raw, path, "categories", "a list of lines starting with '- '")
        if not items and (raw is None or isinstance(raw, list)):
            self.error(
                path,
                "categories is empty: list at least one area of disagreement, for people to choose from"
                " when they raise one",
            )
        categories: list[str] = []
        for n, category in items:
            if category in categories:
                self.error(path + (n,), f"categories: '{category}' is listed twice")
            else:
                categories.append(category)
        return tuple(categories)

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
            f"bank_holidays: unknown region '{raw}'{_did_you_mean(raw, BANK_HOLIDAY_REGIONS)};"
            f" choose one of: {', '.join(BANK_HOLIDAY_REGIONS)}",
        )
        return BANK_HOLIDAY_REGIONS[0]

    def flag(self, data: Mapping, key: str) -> bool:
        raw = data.get(key, False)
        if isinstance(raw, bool):
            return raw
        self.error((key,), f"{key}: write true or false, not '{raw}'")
        return False

    def stages(
        self, data: Mapping, agency_roles: tuple[str, ...], partnership_roles: tuple[str, ...]
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
        usable_id = isinstance(stage_id, str) and bool(_NAME.match(stage_id))
        label = f"stage '{stage_id}'" if usable_id else f"stage {n + 1}"
        stage = _RawStage(label=label, id=stage_id if usable_id else None, path=path)
        self.keys(raw, path, _STAGE_REQUIRED, _STAGE_OPTIONAL, prefix=f"{label}: ", what="setting", missing_at=path)
        if "id" in raw and not usable_id:
            self.error(
                path + ("id",),
                f"{label}: the id '{stage_id}' should be one short word in lower case, like"
                f" {_as_word(stage_id, '_') or 'managers'}; other settings use it to refer to this stage",
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
                    f"{label}: unknown role '{role}'{_did_you_mean(role, known)} (known: {listed});"
                    f" a new role must first be listed under 'roles: {section}'",
                )
        return tuple(roles)

    def nudges(self, raw: Mapping, path: Path, label: str) -> tuple[Nudge, ...]:
        if "nudges" not in raw:
            return DEFAULT_NUDGES
        options = tuple(n.value for n in Nudge)
        nudges: list[Nudge] = []
        for n, text in self.text_list(raw["nudges"], path + ("nudges",), f"{label}: nudges", "[half way, at deadline]"):
            value = " ".join(text.lower().split())
            if value not in options:
                self.error(
                    path + ("nudges", n),
                    f"{label}: unknown nudge '{text}'{_did_you_mean(value, options)};"
                    f" choose from: {', '.join(options)}",
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
                f"{label}: there is no stage with the id '{raw}'{_did_you_mean(raw, stage_ids)};"
                f" the stage ids are: {', '.join(stage_ids)}",
            )
        return False

    def learning(self, raw: object, partnership_roles: tuple[str, ...]) -> tuple[str, str]:
        path: Path = ("learning",)
        if raw is None:
            return "", ""  # reported as missing
        if not isinstance(raw, Mapping):
            self.error(path, "learning should have two settings under it: 'to' (a partnership role) and 'group'")
            return "", ""
        self.keys(raw, path, _LEARNING_REQUIRED, (), prefix="learning: ", what="setting", missing_at=path)
        to = self.text(raw, path, "to", "learning: ") if "to" in raw else ""
        group = self.text(raw, path, "group", "learning: ") if "group" in raw else ""
        if to and to not in partnership_roles:
            known = ", ".join(partnership_roles) if partnership_roles else "none are listed under 'roles: partnership'"
            self.error(
                path + ("to",),
                f"learning: '{to}' is not a partnership role{_did_you_mean(to, partnership_roles)};"
                f" learning points go to someone in the partnership (partnership roles: {known})",
            )
        return to, group

    def notes(self, raw: object) -> tuple[str, ...]:
        if raw is None:
            return ()
        if isinstance(raw, str):
            return (raw.strip(),) if raw.strip() else ()
        return tuple(text for _, text in self.text_list(raw, ("notes",), "notes", "lines starting with '- '"))

    # Values.

    def keys(
        self,
        raw: Mapping,
        path: Path,
        required: tuple[str, ...],
        optional: tuple[str, ...],
        *,
        prefix: str,
        what: str,
        missing_at: Path | None = None,
    ) -> None:
        """Report unknown keys (most are typos) and missing required ones."""
        allowed = required + optional
        for key in raw:
            if key not in allowed:
                self.error(
                    path + (key,),
                    f"{prefix}unknown {what} '{key}'{_did_you_mean(key, allowed)};"
                    f" Parley understands: {', '.join(allowed)}",
                )
        for key in required:
            if key not in raw:
                how = _HOW_TO_ADD.get((path[:1], key))
                self.error(missing_at, f"{prefix}'{key}' is missing" + (f"; {how}" if how else ""))

    def text(self, raw: Mapping, path: Path, key: str, prefix: str, *, required: bool = True) -> str:
        value = raw.get(key)
        if isinstance(value, (list, Mapping)):
            self.error(path + (key,), f"{prefix}'{key}' should be a single line of text, not a list")
            return ""
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.error(path + (key,), f"{prefix}'{key}' is empty")
        return text

    def word(self, data: Mapping, key: str) -> str:
        if key not in data:
            return ""
        value = self.text(data, (), key, "")
        if value and not _NAME.match(value):
            self.error(
                (key,),
                f"'{key}' should be one short word in lower case, with - between words,"
                f" like {_as_word(value, '-') or 'bradford'}",
            )
        return value

    def text_list(self, raw: object, path: Path, label: str, example: str) -> list[tuple[int, str]]:
        """(index, text) for each item of a list of short texts; a single text where a list belongs is an error."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            what = "a single piece of text" if isinstance(raw, str) else f"'{raw}'"
            self.error(path, f"{label} should be a list, like {example}, not {what}")
            return []
        items: list[tuple[int, str]] = []
        for n, item in enumerate(raw):
            if item is None or isinstance(item, (bool, list, Mapping)):
                self.error(path + (n,), f"{label}: item {n + 1} should be a short piece of text")
                continue
            text = str(item).strip()
            if text:
                items.append((n, text))
        return items

    def choice(self, raw: Mapping, path: Path, key: str, kind: type[_E], label: str) -> _E | None:
        """The enum member the file names under `key`; None when absent or unreadable (and reported)."""
        if key not in raw:
            return None
        value = raw[key]
        options = tuple(str(o.value) for o in kind)
        text = " ".join(value.lower().split()) if isinstance(value, str) else value
        if text in options:
            return kind(text)
        self.error(
            path + (key,),
            f"{label}: {key} can't be '{value}'{_did_you_mean(value, options)}; choose one of: {', '.join(options)}",
        )
        return None


def _did_you_mean(word: object, options: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _as_word(value: object, sep: str) -> str:
    """'Safeguarding Lead' -> 'safeguarding_lead': a suggestion for a name written in the wrong shape."""
    return sep.join(re.findall(r"[a-z0-9]+", str(value).lower()))
