"""Checks shared by the parsers of files people write (policies, directories): each error with its line."""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from bot.problems import LineOf, Path, Problem

_E = TypeVar("_E", bound=enum.Enum)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
EXCERPT = 60  # characters of a bad value quoted back


def excerpt(value: object) -> str:
    """A bad value as quoted back in an error: at most EXCERPT characters."""
    text = str(value)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


class Problems:
    """The problems found in one file, each at the line of the place it is about."""

    def __init__(self, line_of: LineOf) -> None:
        self._line_of = line_of
        self.errors: list[Problem] = []

    def line(self, path: Path) -> int | None:
        # Walk up the path so callers may ask about a key the file does not have.
        for n in range(len(path), -1, -1):
            line = self._line_of(path[:n])
            if line is not None:
                return line
        return None

    def error(self, path: Path | None, message: str) -> None:
        self.errors.append(Problem(self.line(path) if path is not None else None, message))


class Checker(Problems):
    """Collects problems; each value check reports in words written for the person who wrote the file."""

    # How to add a required setting that is missing, by (first key of the path, key).
    how_to_add: Mapping[tuple[Path, str], str] = {}

    def flag(self, data: Mapping[Any, Any], key: str, path: Path = ()) -> bool:
        raw = data.get(key, False)
        if isinstance(raw, bool):
            return raw
        self.error(path + (key,), f"{key}: write true or false, not '{excerpt(raw)}'")
        return False

    def keys(
        self,
        raw: Mapping[Any, Any],
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
                    f"{prefix}unknown {what} '{key}'{did_you_mean(key, allowed)};"
                    f" Parley understands: {', '.join(allowed)}",
                )
        for key in required:
            if key not in raw:
                how = self.how_to_add.get((path[:1], key))
                self.error(missing_at, f"{prefix}'{key}' is missing" + (f"; {how}" if how else ""))

    def text(self, raw: Mapping[Any, Any], path: Path, key: str, prefix: str, *, required: bool = True) -> str:
        value = raw.get(key)
        if isinstance(value, (list, Mapping)):
            self.error(path + (key,), f"{prefix}'{key}' should be a single line of text, not a list")
            return ""
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.error(path + (key,), f"{prefix}'{key}' is empty")
        return text

    def word(self, data: Mapping[Any, Any], key: str) -> str:
        if key not in data:
            return ""
        value = self.text(data, (), key, "")
        if value and not NAME.match(value):
            self.error(
                (key,),
                f"'{key}' should be one short word in lower case, with - between words,"
                f" like {as_word(value, '-') or 'bradford'}",
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

    def choice(self, raw: Mapping[Any, Any], path: Path, key: str, kind: type[_E], label: str) -> _E | None:
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
            f"{label}: {key} can't be '{value}'{did_you_mean(value, options)}; choose one of: {', '.join(options)}",
        )
        return None


def did_you_mean(word: object, options: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word.lower(), list(options), n=1, cutoff=0.7)
    return f" (did you mean '{close[0]}'?)" if close else ""


def as_word(value: object, sep: str) -> str:
    """'Safeguarding Lead' -> 'safeguarding_lead': a suggestion for a name written in the wrong shape."""
    return sep.join(re.findall(r"[a-z0-9]+", str(value).lower()))
