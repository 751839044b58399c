"""Parts of a policy file read on their own: timescales, learning, notes, and the safety settings
(case reference formats, retention, role names)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot import identifiers
from bot.file_checks import Checker, as_word, did_you_mean, excerpt
from bot.policy import (
    RELATIVE_ROLES,
    AfterRetention,
    CountedFrom,
    LearningRouting,
    Retention,
    Timescale,
    TimescaleKind,
)
from bot.problems import Path

_TIMESCALE = re.compile(r"^(?:within\s+)?([+-]?\d+)\s+(working\s+)?(hours?|days?)$")
_FIGURES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twelve": 12, "twenty-four": 24, "forty-eight": 48, "seventy-two": 72,
}  # fmt: skip
_TIMESCALE_EXAMPLES = "'5 working days', '1 working day', '24 hours', '4 working hours' or 'same working day'"
_LEARNING_REQUIRED = ("to", "group")
_ROLES_OPTIONAL = ("agency", "partnership", "names")
_ROLE = re.compile(r"^[a-z][a-z0-9_]*$")
_LEARNING_OPTIONAL = ("slack_channel", "teams_channel", "tell", "procedure_owner", "case_review")
_REFERENCE_KEYS = ("name", "pattern", "examples")
_RETENTION_KEYS = ("keep_closed_for", "then")
_RETENTION = re.compile(r"^(\d{1,4})\s+(years?|months?|days?)$")
_DAYS_PER = {"year": 365, "month": 30, "day": 1}
RETENTION_MIN_DAYS, RETENTION_MAX_DAYS = 30, 25 * 365
# The longest timescale any step of a procedure can mean; past these it is surely a typo.
TIMESCALE_MAX = {
    TimescaleKind.WORKING_DAYS: (260, "260 working days (about a year)"),
    TimescaleKind.WORKING_HOURS: (2000, "2000 working hours (about a year)"),
    TimescaleKind.HOURS: (8760, "8760 hours (a year)"),
}


def parse_timescale(text: str, counted_from: CountedFrom = CountedFrom.STAGE_START) -> Timescale:  # noqa: C901 - over 12 branches; noted for simplification
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
    if len(match.group(1).lstrip("+-")) > 6:
        raise ValueError(
            f"the timescale '{excerpt(text)}' is longer than any step of a procedure can mean;"
            " at most 260 working days, 2000 working hours or 8760 hours"
        )
    amount, working, unit = int(match.group(1)), bool(match.group(2)), match.group(3)
    if amount < 0:
        raise ValueError(f"the timescale '{text}' is negative; it must be at least 1")
    if amount == 0:
        raise ValueError(f"the timescale '{text}' is zero; it must be at least 1, or 'same working day'")
    if unit.startswith("day"):
        if not working:
            plural = "s" if amount != 1 else ""
            raise ValueError(f"Parley counts days as working days: write '{amount} working day{plural}'")
        kind = TimescaleKind.WORKING_DAYS
    else:
        kind = TimescaleKind.WORKING_HOURS if working else TimescaleKind.HOURS
    most, said = TIMESCALE_MAX[kind]
    if amount > most:
        raise ValueError(
            f"the timescale '{excerpt(text)}' is longer than any step of a procedure can mean; at most {said}"
        )
    return Timescale(kind, amount, counted_from)


class Sections(Checker):
    def roles(self, data: Mapping[Any, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
                    f" like {as_word(role, '_') or 'safeguarding_lead'}",
                )
            elif role not in roles:
                roles.append(role)
        return tuple(roles)

    def categories(self, data: Mapping[Any, Any]) -> tuple[str, ...]:
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

    def learning(self, raw: object, partnership_roles: tuple[str, ...]) -> tuple[str, str, LearningRouting]:
        path: Path = ("learning",)
        if raw is None:
            return "", "", LearningRouting()  # reported as missing
        if not isinstance(raw, Mapping):
            self.error(path, "learning should have two settings under it: 'to' (a partnership role) and 'group'")
            return "", "", LearningRouting()
        self.keys(
            raw, path, _LEARNING_REQUIRED, _LEARNING_OPTIONAL, prefix="learning: ", what="setting", missing_at=path
        )
        to = self.text(raw, path, "to", "learning: ") if "to" in raw else ""
        group = self.text(raw, path, "group", "learning: ") if "group" in raw else ""
        self.partnership_role(to, path + ("to",), "learning", partnership_roles)
        tell = tuple(
            role
            for n, role in self.text_list(raw.get("tell"), path + ("tell",), "learning: tell", "[board_manager]")
            if self.partnership_role(role, path + ("tell", n), "learning: tell", partnership_roles)
        )
        owner = self.text(raw, path, "procedure_owner", "learning: ", required=False)
        self.partnership_role(owner, path + ("procedure_owner",), "learning: procedure_owner", partnership_roles)
        routing = LearningRouting(
            slack_channel=self.channel(raw, path, "slack_channel"),
            teams_channel=self.channel(raw, path, "teams_channel"),
            tell=tell,
            procedure_owner=owner,
            case_review_prompt=self.flag(raw, "case_review", path),
        )
        return to, group, routing

    def partnership_role(self, role: str, path: Path, label: str, partnership_roles: tuple[str, ...]) -> bool:
        if not role or role in partnership_roles:
            return bool(role)
        known = ", ".join(partnership_roles) if partnership_roles else "none are listed under 'roles: partnership'"
        self.error(
            path,
            f"{label}: '{excerpt(role)}' is not a partnership role{did_you_mean(role, partnership_roles)};"
            f" learning goes to someone in the partnership (partnership roles: {known})",
        )
        return False

    def channel(self, raw: Mapping[Any, Any], path: Path, key: str) -> str:
        value = self.text(raw, path, key, "learning: ", required=False)
        if value and (len(value) > 200 or any(ch.isspace() for ch in value)):
            self.error(path + (key,), f"learning: {key} should be a channel id, with no spaces, like C0123ABCD")
            return ""
        return value

    def case_references(self, raw: object) -> tuple[identifiers.ReferenceFormat, ...]:
        path: Path = ("case_references",)
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.error(path, "case_references should be a list, each item with name, pattern and examples")
            return ()
        formats = []
        for n, item in enumerate(raw):
            fpath = path + (n,)
            if not isinstance(item, Mapping):
                self.error(fpath, f"case reference format {n + 1} should have name, pattern and examples under it")
                continue
            label = f"case reference format {n + 1}"
            self.keys(item, fpath, _REFERENCE_KEYS, (), prefix=f"{label}: ", what="setting", missing_at=fpath)
            name = self.text(item, fpath, "name", f"{label}: ") if "name" in item else ""
            label = f"case reference format '{excerpt(name)}'" if name else label
            pattern = self.text(item, fpath, "pattern", f"{label}: ") if "pattern" in item else ""
            if pattern and (why := identifiers.pattern_problem(pattern)):
                self.error(fpath + ("pattern",), f"{label}: {why}")
                pattern = ""
            examples = self.text_list(
                item.get("examples"), fpath + ("examples",), f"{label}: examples", "[CSC-2026-00123]"
            )
            if "examples" in item and not examples:
                self.error(fpath + ("examples",), f"{label}: give at least one example, so people see the form")
            fmt = identifiers.ReferenceFormat(
                name, pattern, tuple(identifiers.normalise_reference(e) for _, e in examples)
            )
            for (k, example), normal in zip(examples, fmt.examples, strict=True):
                epath = fpath + ("examples", k)
                if found := identifiers.find_in_reference(normal):
                    self.error(
                        epath,
                        f"{label}: the example '{excerpt(example)}' would be refused: it looks like a {found.kind.value}",
                    )
                elif pattern and not fmt.matches(normal):
                    self.error(
                        epath,
                        f"{label}: the example '{excerpt(example)}' does not match the pattern '{excerpt(pattern)}'",
                    )
            if name and pattern and fmt.examples:
                formats.append(fmt)
        return tuple(formats)

    def retention(self, raw: object) -> Retention:
        path: Path = ("retention",)
        if raw is None:
            return Retention()
        if not isinstance(raw, Mapping):
            self.error(path, "retention should have 'keep_closed_for' (like 6 years) and 'then' (anonymise or delete)")
            return Retention()
        self.keys(raw, path, (), _RETENTION_KEYS, prefix="retention: ", what="setting")
        keep = Retention().keep_closed_days
        if "keep_closed_for" in raw:
            text = " ".join(str(raw["keep_closed_for"]).lower().split())
            match = _RETENTION.match(text)
            days = int(match.group(1)) * _DAYS_PER[match.group(2).rstrip("s")] if match else None
            if days is None:
                self.error(
                    path + ("keep_closed_for",),
                    f"retention: write keep_closed_for like '6 years' or '18 months', not '{excerpt(text)}'",
                )
            elif not RETENTION_MIN_DAYS <= days <= RETENTION_MAX_DAYS:
                self.error(
                    path + ("keep_closed_for",),
                    f"retention: keep_closed_for must be between 30 days and 25 years, not '{excerpt(text)}'",
                )
            else:
                keep = days
        then = self.choice(raw, path, "then", AfterRetention, "retention") or Retention().then
        return Retention(keep_closed_days=keep, then=then)

    def role_names(self, raw: object, path: Path, roles: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
        if raw is None:
            return ()
        if not isinstance(raw, Mapping):
            self.error(path, "roles: names should list each role with its name, like 'board_manager: Board Manager'")
            return ()
        names = []
        for role, name in raw.items():
            if role not in roles:
                self.error(
                    path + (role,),
                    f"roles: names: '{excerpt(role)}' is not a role{did_you_mean(role, roles)}; the roles are: {', '.join(roles)}",
                )
            elif not isinstance(name, str) or not name.strip() or len(name) > 80:
                self.error(path + (role,), f"roles: names: the name of '{role}' should be a short line of text")
            else:
                names.append((role, identifiers.clean_name(name)))
        return tuple(names)

    def notes(self, raw: object) -> tuple[str, ...]:
        if raw is None:
            return ()
        if isinstance(raw, str):
            return (raw.strip(),) if raw.strip() else ()
        return tuple(text for _, text in self.text_list(raw, ("notes",), "notes", "lines starting with '- '"))
