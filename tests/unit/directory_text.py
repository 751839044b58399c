"""Directory files to write in tests (a header, two people, the CSV columns), and the helpers that read one and find its errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.directory import DirectoryError, InvalidDirectory
from handlers.directory_files import read_directory

HEADER = """\
agencies:
  - id: csc
    name: Bradford Children's Social Care
  - id: police
    name: West Yorkshire Police
  - id: partnership
    name: BDSCP Business Unit
people:
"""

BEN = """\
  - id: ben.hughes
    name: Ben Hughes
    email: ben.hughes@csc.example.gov.uk
    agency: csc
    slack: T01ABCDEF/U0BEN
"""

AMARA = """\
  - id: amara.okafor
    name: Amara Okafor
    email: amara.okafor@csc.example.gov.uk
    agency: csc
    roles: []
    line_manager: ben.hughes
    slack: T01ABCDEF/U02GHIJK
    teams: 72f988bf-86f1-41af-91ab-2d7cd011db47/29:1a2b3c
"""

CSV_HEADER = "id,name,email,agency,roles,line_manager,slack,teams\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def yaml_file(tmp_path: Path, people: str) -> Path:
    return write(tmp_path, "directory.yaml", HEADER + people)


def errors_in(path: Path, policy=None) -> list[DirectoryError]:
    with pytest.raises(InvalidDirectory) as caught:
        read_directory(path, policy)
    return caught.value.errors


def line_with(path: Path, text: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th line of the file containing `text`."""
    hits = [n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line]
    return hits[occurrence - 1]


def assert_error(errors: list[DirectoryError], line: int | None, phrase: str) -> None:
    assert any(e.line == line and phrase in e.message for e in errors), (
        f"no error on line {line} containing {phrase!r}; got:\n" + "\n".join(map(str, errors))
    )
