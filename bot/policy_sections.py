"""Parts of a policy file read on their own: timescales, learning, notes, and the safety settings
(case reference formats, retention, role names)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.file_checks import Checker, did_you_mean
from bot.policy import CountedFrom, Timescale, TimescaleKind
from bot.problems import Path

_TIMESCALE = re.compile(r"^(?:within\s+)?([+-]?\d+)\s+(working\s+)?(hours?|days?)$")
_FIGURES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "twelve": 12, "twenty-four": 24, "forty-eight": 48, "seventy-two": 72,
}  # fmt: skip
_TIMESCALE_EXAMPLES = "'5 working days', '1 working day', '24 hours', '4 working hours' or 'same working day'"
_LEARNING_REQUIRED = ("to", "group")


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


class Sections(Checker):
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
                f"learning: '{to}' is not a partnership role{did_you_mean(to, partnership_roles)};"
                f" learning points go to someone in the partnership (partnership roles: {known})",
            )
        return to, group

    def notes(self, raw: object) -> tuple[str, ...]:
        if raw is None:
            return ()
        if isinstance(raw, str):
            return (raw.strip(),) if raw.strip() else ()
        return tuple(text for _, text in self.text_list(raw, ("notes",), "notes", "lines starting with '- '"))
