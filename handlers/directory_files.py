"""Read a directory of people from a YAML or CSV file, keeping line numbers for its errors."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.directory import PARTNERSHIP, Directory, DirectoryError, InvalidDirectory, parse_directory
from bot.file_checks import excerpt
from handlers.files import MAX_BYTES, FileProblem, load_yaml, read_text, unreadable

if TYPE_CHECKING:
    from bot.policy import Policy

CSV_COLUMNS = ("id", "name", "email", "agency", "roles", "line_manager", "slack", "teams")
CSV_REQUIRED = ("id", "name", "email", "agency")
# Fields that belong to the person, not to one membership: the same on every row, or blank.
_PERSON_FIELDS = ("name", "email", "slack", "teams")

Lines = dict[tuple[str | int, ...], int]


def read_directory(path: str | Path, policy: Policy | None = None) -> Directory:
    """Read and check a .yaml/.yml or .csv directory; InvalidDirectory names the file and every error."""
    path = Path(path)
    suffix = path.suffix.lower()
    if path.is_dir():
        raise InvalidDirectory([DirectoryError(None, unreadable(IsADirectoryError(), "directory file"))], str(path))
    if suffix not in (".yaml", ".yml", ".csv"):
        raise InvalidDirectory(
            [DirectoryError(None, f"unsupported file type '{path.suffix}'; use .yaml, .yml or .csv")], str(path)
        )
    try:
        text = read_text(path)  # HR exports from Excel often start with a BOM
    except OSError as e:
        raise InvalidDirectory([DirectoryError(None, unreadable(e, "directory file"))], str(path)) from None
    except UnicodeDecodeError as e:
        raise InvalidDirectory([DirectoryError(None, f"the file is not UTF-8 text ({e.reason})")], str(path)) from e
    try:
        if suffix == ".csv":
            return _read_csv(text, policy)
        return _read_yaml(text, policy)
    except InvalidDirectory as e:
        raise InvalidDirectory(e.errors, str(path)) from None


def _read_yaml(text: str, policy: Policy | None) -> Directory:
    try:
        data, line_of = load_yaml(text, "")
    except FileProblem as e:
        raise InvalidDirectory(e.errors) from None
    return parse_directory(data, line_of, policy=policy)


def _read_csv(text: str, policy: Policy | None) -> Directory:
    """One row per membership; rows sharing an id are one person in several agencies."""
    at = [1]  # the line the reader is on: csv.Error does not say
    try:
        return _read_rows(text, policy, at)
    except csv.Error as e:  # a cell over csv's field limit (128 KiB), a NUL, ...
        why = "a cell is over 128 KiB long" if "field limit" in str(e) else excerpt(e)
        raise InvalidDirectory([DirectoryError(at[0], f"this row can't be read as CSV: {why}")]) from None


def _read_rows(text: str, policy: Policy | None, at: list[int]) -> Directory:
    if len(text) > MAX_BYTES:
        raise InvalidDirectory(
            [DirectoryError(1, f"the file is {len(text)} characters long; at most {MAX_BYTES} are read")]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _header(reader)
    rows = _Rows()
    line = 1  # a quoted field may span lines, so track where each row starts
    for row in _rows(reader, at):
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            rows.errors.append(DirectoryError(start, f"this row has {len(row)} cells but the header has {len(header)}"))
            continue
        rows.add({h: row[n].strip() if n < len(row) else "" for n, h in enumerate(header)}, start)

    errors = rows.errors
    data = {"agencies": [{"id": a, "name": a} for a in rows.agencies], "people": rows.people}
    try:
        directory = parse_directory(data, rows.lines.get, policy=policy)
    except InvalidDirectory as e:
        errors += e.errors
    if errors:
        raise InvalidDirectory(sorted(errors, key=lambda e: (e.line is None, e.line or 0)))
    return directory


def _header(reader: Any) -> list[str]:
    """The header row's column names, lower-cased; InvalidDirectory if it is missing or wrong."""
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidDirectory([DirectoryError(1, "the file is empty; it needs a header row")]) from None
    errors: list[DirectoryError] = []
    unknown = [h for h in header if h not in CSV_COLUMNS]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if unknown:
        errors.append(
            DirectoryError(1, f"unknown column(s) {', '.join(unknown)}; the columns are {', '.join(CSV_COLUMNS)}")
        )
    if missing:
        errors.append(DirectoryError(1, f"missing column(s) {', '.join(missing)}"))
    if errors:
        raise InvalidDirectory(errors)
    return header


@dataclass
class _Rows:
    """The people gathered from the rows so far, shaped like a YAML directory, with each value's line."""

    people: list[dict[str, Any]] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # person id -> position in `people`
    lines: Lines = field(default_factory=lambda: {(): 1, ("agencies",): 1, ("people",): 1})
    agencies: list[str] = field(default_factory=list)
    errors: list[DirectoryError] = field(default_factory=list)

    def add(self, cells: dict[str, str], start: int) -> None:
        """One row: a membership of a person already seen (same id) or of a new one."""
        person_id = cells.get("id", "")
        membership = self._membership(cells)
        if person_id and person_id in self.index:
            n = self.index[person_id]
            self._merge(n, person_id, cells, start)
        else:
            n = self._new_person(person_id, cells, start)
        memberships = self.people[n]["memberships"]
        self.lines[("people", n, "memberships", len(memberships))] = start
        memberships.append(membership)

    def _membership(self, cells: dict[str, str]) -> dict[str, Any]:
        membership: dict[str, Any] = {}
        if cells.get("agency"):
            membership["agency"] = cells["agency"]
            # The partnership keeps its default name unless a YAML file names it.
            if cells["agency"] not in self.agencies and cells["agency"] != PARTNERSHIP:
                self.agencies.append(cells["agency"])
        membership["roles"] = [r.strip() for r in cells.get("roles", "").split(";") if r.strip()]
        if cells.get("line_manager"):
            membership["line_manager"] = cells["line_manager"]
        return membership

    def _merge(self, n: int, person_id: str, cells: dict[str, str], start: int) -> None:
        """Fill in the person's blank fields from this row; a field that differs is an error."""
        person = self.people[n]
        for key in _PERSON_FIELDS:
            value = cells.get(key, "")
            if not value:
                continue
            if key not in person:
                person[key] = value
                self.lines[("people", n, key)] = start
            elif person[key] != value:
                self.errors.append(
                    DirectoryError(
                        start,
                        f"'{person_id}' has {key} '{value}' here but '{person[key]}' on line"
                        f" {self.lines[('people', n, key)]}; leave it blank or make it the same",
                    )
                )

    def _new_person(self, person_id: str, cells: dict[str, str], start: int) -> int:
        n = len(self.people)
        person: dict[str, Any] = {"id": person_id} if person_id else {}
        person.update({k: cells[k] for k in _PERSON_FIELDS if cells.get(k)})
        person["memberships"] = []
        self.people.append(person)
        if person_id:
            self.index[person_id] = n
        self.lines[("people", n)] = start
        for key in person:
            self.lines[("people", n, key)] = start
        return n


def _rows(reader: Any, at: list[int]) -> Any:
    """The reader's rows, noting in `at` where each starts so a csv.Error can name its line."""
    while True:
        at[0] = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        yield row
