"""Read a directory of people from a YAML or CSV file, keeping line numbers for its errors."""

from __future__ import annotations

import csv
import io
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
    errors: list[DirectoryError] = []
    if len(text) > MAX_BYTES:
        raise InvalidDirectory(
            [DirectoryError(1, f"the file is {len(text)} characters long; at most {MAX_BYTES} are read")]
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidDirectory([DirectoryError(1, "the file is empty; it needs a header row")]) from None
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

    people: list[dict[str, Any]] = []
    index: dict[str, int] = {}  # person id -> position in `people`
    lines: Lines = {(): 1, ("agencies",): 1, ("people",): 1}
    agencies: list[str] = []
    line = 1  # a quoted field may span lines, so track where each row starts
    for row in _rows(reader, at):
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            errors.append(DirectoryError(start, f"this row has {len(row)} cells but the header has {len(header)}"))
            continue
        cells = {h: row[n].strip() if n < len(row) else "" for n, h in enumerate(header)}
        person_id = cells.get("id", "")
        membership: dict[str, Any] = {}
        if cells.get("agency"):
            membership["agency"] = cells["agency"]
            # The partnership keeps its default name unless a YAML file names it.
            if cells["agency"] not in agencies and cells["agency"] != PARTNERSHIP:
                agencies.append(cells["agency"])
        membership["roles"] = [r.strip() for r in cells.get("roles", "").split(";") if r.strip()]
        if cells.get("line_manager"):
            membership["line_manager"] = cells["line_manager"]

        if person_id and person_id in index:
            n = index[person_id]
            person = people[n]
            for key in _PERSON_FIELDS:
                value = cells.get(key, "")
                if not value:
                    continue
                if key not in person:
                    person[key] = value
                    lines[("people", n, key)] = start
                elif person[key] != value:
                    errors.append(
                        DirectoryError(
                            start,
                            f"'{person_id}' has {key} '{value}' here but '{person[key]}' on line"
                            f" {lines[('people', n, key)]}; leave it blank or make it the same",
                        )
                    )
        else:
            n = len(people)
            person = {"id": person_id} if person_id else {}
            person.update({k: cells[k] for k in _PERSON_FIELDS if cells.get(k)})
            person["memberships"] = []
            people.append(person)
            if person_id:
                index[person_id] = n
            lines[("people", n)] = start
            for key in person:
                lines[("people", n, key)] = start
        j = len(person["memberships"])
        person["memberships"].append(membership)
        lines[("people", n, "memberships", j)] = start

    data = {"agencies": [{"id": a, "name": a} for a in agencies], "people": people}
    try:
        directory = parse_directory(data, lines.get, policy=policy)
    except InvalidDirectory as e:
        errors += e.errors
    if errors:
        raise InvalidDirectory(sorted(errors, key=lambda e: (e.line is None, e.line or 0)))
    return directory


def _rows(reader: Any, at: list[int]) -> Any:
    """The reader's rows, noting in `at` where each starts so a csv.Error can name its line."""
    while True:
        at[0] = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        yield row
