from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.directory import PARTNERSHIP, Directory, DirectoryError, Identity, InvalidDirectory, parse_directory
from handlers.directory_files import read_directory
from tests.unit.factories import four_stage_policy

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


# Reading a good directory.


def test_reads_agencies_people_roles_and_line_managers_from_yaml(tmp_path):
    lead = """\
  - id: sam.lee
    name: Sam Lee
    email: sam.lee@police.example.uk
    agency: police
    roles: [safeguarding_lead]
    teams: tenant-wyp/29:sam
"""
    directory = read_directory(yaml_file(tmp_path, BEN + AMARA + lead))

    assert directory.agency_name("police") == "West Yorkshire Police"
    amara = directory.person("amara.okafor")
    assert amara.name == "Amara Okafor"
    assert amara.email == "amara.okafor@csc.example.gov.uk"
    assert amara.membership("csc").line_manager == "ben.hughes"
    assert amara.identity_on("slack") == Identity("slack", "T01ABCDEF", "U02GHIJK")
    assert amara.identity_on("teams") == Identity("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "29:1a2b3c")
    assert [p.id for p in directory.holders("police", "safeguarding_lead")] == ["sam.lee"]


def test_reads_a_person_in_two_agencies_from_memberships(tmp_path):
    patel = """\
  - id: dr.patel
    name: Dr Priya Patel
    email: priya.patel@nhs.example.uk
    memberships:
      - {agency: csc, roles: [safeguarding_lead], line_manager: ben.hughes}
      - {agency: police, roles: [safeguarding_lead, head_of_service]}
    teams: tenant-nhs/29:patel
"""
    directory = read_directory(yaml_file(tmp_path, BEN + patel), four_stage_policy())

    patel = directory.person("dr.patel")
    assert patel.agencies == ("csc", "police")
    assert patel.membership("csc").line_manager == "ben.hughes"
    assert patel.membership("police").roles == frozenset({"safeguarding_lead", "head_of_service"})
    assert [p.id for p in directory.holders("csc", "safeguarding_lead")] == ["dr.patel"]
    assert [p.id for p in directory.holders("police", "safeguarding_lead")] == ["dr.patel"]


def test_finds_people_by_identity_across_a_slack_workspace_and_a_teams_tenant(tmp_path):
    # The same Slack user id in another workspace is someone else.
    other_workspace = """\
  - id: ola.smith
    name: Ola Smith
    email: ola.smith@police.example.uk
    agency: police
    slack: T09OTHER/U02GHIJK
"""
    directory = read_directory(yaml_file(tmp_path, BEN + AMARA + other_workspace))

    assert directory.by_identity("slack", "T01ABCDEF", "U02GHIJK").id == "amara.okafor"
    assert directory.by_identity("slack", "T09OTHER", "U02GHIJK").id == "ola.smith"
    assert directory.by_identity("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "29:1a2b3c").id == "amara.okafor"
    assert directory.by_identity("teams", "another-tenant", "29:1a2b3c") is None
    assert directory.by_identity("slack", "T01ABCDEF", "U0NOBODY") is None
    assert directory.by_identity("teams", "T01ABCDEF", "U02GHIJK") is None


def test_identity_lookup_sees_people_added_after_a_reindex():
    directory = Directory()
    assert directory.by_identity("slack", "T1", "U1") is None
    directory.people["x"] = parse_directory(
        {
            "agencies": [{"id": "csc", "name": "CSC"}],
            "people": [{"id": "x", "name": "X", "email": "x@a.example", "agency": "csc", "slack": "T1/U1"}],
        }
    ).people["x"]

    directory.reindex()

    assert directory.by_identity("slack", "T1", "U1").id == "x"


def test_partnership_agency_is_known_without_being_listed():
    directory = parse_directory(
        {
            "agencies": [],
            "people": [
                {"id": "bm", "name": "B M", "email": "bm@p.example", "agency": PARTNERSHIP, "roles": ["board_manager"],
                 "teams": "tenant/29:bm"},
            ],
        },
        policy=four_stage_policy(),
    )

    assert [p.id for p in directory.holders(PARTNERSHIP, "board_manager")] == ["bm"]


def test_reads_the_same_directory_from_csv(tmp_path):
    path = write(
        tmp_path,
        "directory.csv",
        CSV_HEADER
        + "ben.hughes,Ben Hughes,ben.hughes@csc.example.gov.uk,csc,head_of_service,,T01ABCDEF/U0BEN,\n"
        + "amara.okafor,Amara Okafor,amara.okafor@csc.example.gov.uk,csc,,ben.hughes,T01ABCDEF/U02GHIJK,"
        "72f988bf-86f1-41af-91ab-2d7cd011db47/29:1a2b3c\n",
    )

    directory = read_directory(path, four_stage_policy())

    amara = directory.person("amara.okafor")
    assert amara.membership("csc").line_manager == "ben.hughes"
    assert directory.by_identity("teams", "72f988bf-86f1-41af-91ab-2d7cd011db47", "29:1a2b3c") == amara
    assert directory.person("ben.hughes").membership("csc").roles == frozenset({"head_of_service"})
    assert set(directory.agencies) == {"csc"}


def test_csv_person_in_two_agencies_has_two_rows_with_blanks_on_the_later_one(tmp_path):
    path = write(
        tmp_path,
        "directory.csv",
        "\ufeff"  # Excel's byte-order mark
        + CSV_HEADER
        + "dr.patel,Dr Priya Patel,priya.patel@nhs.example.uk,health,safeguarding_lead;head_of_service,,,tenant/29:p\n"
        + "dr.patel,,,school,safeguarding_lead,,,\n",
    )

    directory = read_directory(path)

    patel = directory.person("dr.patel")
    assert patel.agencies == ("health", "school")
    assert patel.membership("health").roles == frozenset({"safeguarding_lead", "head_of_service"})
    assert patel.membership("school").roles == frozenset({"safeguarding_lead"})


# Errors, each with its line.


def test_reports_an_unknown_line_manager(tmp_path):
    path = yaml_file(tmp_path, AMARA)
    assert_error(errors_in(path), line_with(path, "line_manager: ben.hughes"), "unknown line manager 'ben.hughes'")


def test_reports_a_line_manager_who_is_not_in_that_agency(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("agency: csc", "agency: police") + AMARA)
    assert_error(errors_in(path), line_with(path, "line_manager: ben.hughes"), "is not in agency 'csc'")


def test_reports_someone_who_is_their_own_line_manager(tmp_path):
    path = yaml_file(tmp_path, BEN + AMARA.replace("line_manager: ben.hughes", "line_manager: amara.okafor"))
    assert_error(errors_in(path), line_with(path, "line_manager: amara.okafor"), "their own line manager")


def test_reports_a_line_manager_cycle(tmp_path):
    ben_managed_by_amara = BEN.replace("    slack:", "    line_manager: amara.okafor\n    slack:")
    path = yaml_file(tmp_path, ben_managed_by_amara + AMARA)

    errors = errors_in(path)

    assert_error(errors, line_with(path, "line_manager: amara.okafor"), "line-manager cycle in 'csc'")
    assert sum("cycle" in e.message for e in errors) == 1


def test_reports_a_duplicate_person(tmp_path):
    path = yaml_file(tmp_path, BEN + AMARA + AMARA.replace("U02GHIJK", "U03").replace("29:1a2b3c", "29:x"))
    assert_error(errors_in(path), line_with(path, "id: amara.okafor", 2), "duplicate person 'amara.okafor'")


def test_reports_a_person_listed_twice_in_the_same_agency(tmp_path):
    twice = """\
  - id: dr.patel
    name: Dr Priya Patel
    email: priya.patel@nhs.example.uk
    memberships:
      - {agency: csc, roles: [safeguarding_lead]}
      - {agency: csc}
    teams: tenant/29:patel
"""
    path = yaml_file(tmp_path, twice)
    assert_error(errors_in(path), line_with(path, "{agency: csc}"), "listed twice in agency 'csc'")


def test_csv_reports_a_person_listed_twice_in_the_same_agency(tmp_path):
    path = write(
        tmp_path,
        "directory.csv",
        CSV_HEADER + "sam,Sam Lee,sam@p.example,police,,,T1/U1,\n" + "sam,,,police,,,,\n",
    )
    assert_error(errors_in(path), 3, "listed twice in agency 'police'")


def test_csv_reports_a_name_that_differs_on_a_later_row(tmp_path):
    path = write(
        tmp_path,
        "directory.csv",
        CSV_HEADER + "sam,Sam Lee,sam@p.example,police,,,T1/U1,\n" + "sam,Samuel Lee,,csc,,,,\n",
    )
    assert_error(errors_in(path), 3, "name 'Samuel Lee' here but 'Sam Lee' on line 2")


def test_reports_a_duplicate_agency(tmp_path):
    agencies = HEADER.replace("people:", "  - id: csc\n    name: CSC again\npeople:")
    path = write(tmp_path, "directory.yaml", agencies + BEN)
    assert_error(errors_in(path), line_with(path, "id: csc", 2), "duplicate agency 'csc'")


def test_reports_an_unknown_agency(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("agency: csc", "agency: probation"))
    assert_error(errors_in(path), line_with(path, "agency: probation"), "unknown agency 'probation'")


def test_reports_an_agency_role_the_policy_does_not_use(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("    slack:", "    roles: [named_nurse]\n    slack:"))
    assert_error(errors_in(path, four_stage_policy()), line_with(path, "roles: [named_nurse]"), "role 'named_nurse'")


def test_reports_a_partnership_role_the_policy_does_not_use(tmp_path):
    # head_of_service is an agency role, not a partnership one.
    staff = """\
  - id: pat.board
    name: Pat Board
    email: pat@bdscp.example.uk
    agency: partnership
    roles: [head_of_service]
    teams: tenant/29:pat
"""
    path = yaml_file(tmp_path, staff)
    errors = errors_in(path, four_stage_policy())
    assert_error(errors, line_with(path, "roles: [head_of_service]"), "partnership roles are board_manager")


def test_accepts_any_role_when_no_policy_is_given(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("    slack:", "    roles: [named_nurse]\n    slack:"))
    assert read_directory(path).person("ben.hughes").membership("csc").roles == frozenset({"named_nurse"})


def test_reports_a_relative_role_listed_as_held(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("    slack:", "    roles: [line_manager]\n    slack:"))
    assert_error(errors_in(path), line_with(path, "roles: [line_manager]"), "worked out from the dispute")


def test_reports_a_person_with_no_chat_identity(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("    slack: T01ABCDEF/U0BEN\n", ""))
    assert_error(errors_in(path), line_with(path, "id: ben.hughes"), "no chat identity")


@pytest.mark.parametrize("identity", ["U0BEN", "T01/U0BEN/x", "/U0BEN", "T01/"])
def test_reports_a_malformed_identity(tmp_path, identity):
    path = yaml_file(tmp_path, BEN.replace("T01ABCDEF/U0BEN", identity))
    assert_error(errors_in(path), line_with(path, "slack:"), "must be workspace/user")


def test_reports_a_chat_identity_used_by_two_people(tmp_path):
    path = yaml_file(tmp_path, BEN + AMARA.replace("T01ABCDEF/U02GHIJK", "T01ABCDEF/U0BEN"))
    assert_error(
        errors_in(path),
        line_with(path, "slack: T01ABCDEF/U0BEN", 2),
        f"already used by 'ben.hughes' (first on line {line_with(path, 'slack: T01ABCDEF/U0BEN')})",
    )


def test_reports_a_missing_name(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("    name: Ben Hughes\n", ""))
    assert_error(errors_in(path), line_with(path, "id: ben.hughes"), "'ben.hughes' has no name")


def test_reports_a_missing_email(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("ben.hughes@csc.example.gov.uk", "''"))
    assert_error(errors_in(path), line_with(path, "email:"), "'ben.hughes' has no email")


def test_reports_a_bad_email(tmp_path):
    path = yaml_file(tmp_path, BEN.replace("ben.hughes@csc.example.gov.uk", "ben.hughes at csc"))
    assert_error(errors_in(path), line_with(path, "email:"), "bad email address 'ben.hughes at csc'")


def test_reports_a_misspelt_field(tmp_path):
    path = yaml_file(tmp_path, BEN + AMARA.replace("line_manager:", "line_manger:"))
    assert_error(errors_in(path), line_with(path, "line_manger:"), "unknown person field 'line_manger'")


def test_reports_a_yaml_syntax_error_with_its_line(tmp_path):
    path = yaml_file(tmp_path, BEN + "  - id: [unclosed\n")
    errors = errors_in(path)
    assert len(errors) == 1
    assert errors[0].line is not None and errors[0].line >= line_with(path, "[unclosed")
    assert "can't read this line as YAML" in errors[0].message


def test_csv_reports_an_unknown_column_on_the_header_line(tmp_path):
    path = write(tmp_path, "directory.csv", "id,name,email,agency,manager\nsam,Sam,s@p.example,police,x\n")
    assert_error(errors_in(path), 1, "unknown column(s) manager")


def test_csv_reports_errors_on_the_row_line(tmp_path):
    path = write(
        tmp_path,
        "directory.csv",
        CSV_HEADER
        + "sam,Sam Lee,sam@p.example,police,,nobody,T1/U1,\n"
        + '"ann","Ann\nJones",not-an-email,police,,,T1/U2,\n'  # a quoted name spanning two lines
        + "bob,Bob,bob@p.example,police,,,,\n",
    )
    errors = errors_in(path)
    assert_error(errors, 2, "unknown line manager 'nobody'")
    assert_error(errors, 3, "bad email address 'not-an-email'")
    assert_error(errors, 5, "no chat identity")


def test_collects_every_error_at_once_and_names_the_file(tmp_path):
    path = yaml_file(
        tmp_path,
        BEN.replace("agency: csc", "agency: probation")
        + AMARA.replace("amara.okafor@csc.example.gov.uk", "nope").replace("ben.hughes", "x"),
    )

    with pytest.raises(InvalidDirectory) as caught:
        read_directory(path)

    assert [e.line for e in caught.value.errors] == [
        line_with(path, "agency: probation"),
        line_with(path, "email: nope"),
        line_with(path, "line_manager: x"),
    ]
    assert str(path) in str(caught.value)
    assert f"line {line_with(path, 'email: nope')}: " in str(caught.value)


def test_rejects_a_file_that_is_neither_yaml_nor_csv(tmp_path):
    path = write(tmp_path, "directory.txt", "")
    assert "use .yaml, .yml or .csv" in errors_in(path)[0].message


def test_error_reads_as_line_and_message():
    assert str(DirectoryError(4, "'ben' has no name")) == "line 4: 'ben' has no name"


# --- thread spaces, hostile files ---------------------------------------------------------------


def test_an_agency_may_name_its_slack_and_teams_thread_spaces(tmp_path):
    text = HEADER.replace(
        "    name: West Yorkshire Police\n",
        "    name: West Yorkshire Police\n    slack_channel: T0POLICE/C0THREADS\n"
        "    teams_channel: 72f988bf-86f1-41af-91ab-2d7cd011db47/19:abc@thread.tacv2\n",
    )
    directory = read_directory(write(tmp_path, "d.yaml", text + BEN))
    police = directory.agencies["police"]
    assert police.slack_space == ("T0POLICE", "C0THREADS")
    assert police.teams_space == ("72f988bf-86f1-41af-91ab-2d7cd011db47", "19:abc@thread.tacv2")
    assert directory.agencies["csc"].slack_space is None and directory.agencies["csc"].teams_space is None


def test_a_thread_space_not_written_where_slash_channel_is_reported(tmp_path):
    text = HEADER.replace("    name: West Yorkshire Police\n", "    name: West Yorkshire Police\n    teams_channel: general\n")
    path = write(tmp_path, "d.yaml", text + BEN)
    assert_error(errors_in(path), line_with(path, "teams_channel"), "'teams_channel' must be tenant/channel, not 'general'")


def test_names_lose_invisible_characters_and_a_control_character_is_reported(tmp_path):
    clean = read_directory(yaml_file(tmp_path, BEN.replace("name: Ben Hughes", "name: Ben\u200b \u202eHughes")))
    assert clean.people["ben.hughes"].name == "Ben Hughes"
    path = yaml_file(tmp_path, BEN.replace("name: Ben Hughes", 'name: "Ben\\x07Hughes"'))
    assert_error(errors_in(path), line_with(path, "name: \"Ben"), "'name' holds a control character")


def test_a_csv_cell_over_the_limit_is_reported_with_its_line(tmp_path):
    path = write(tmp_path, "d.csv", CSV_HEADER + "ben,Ben,b@x.org,csc,,,T1/U1\n" + "sam," + "x" * 140_000 + ",s@x.org,csc,,,T1/U2\n")
    [error] = errors_in(path)
    assert error.line == 3 and "a cell is over 128 KiB long" in error.message


@pytest.mark.parametrize(("name", "phrase"), [("nowhere.csv", "there is no directory file at this path"), ("", "this is a folder")])
def test_a_missing_path_or_a_folder_is_said_in_one_line(tmp_path, name, phrase):
    [error] = errors_in(tmp_path / name if name else tmp_path)
    assert phrase in error.message


def test_a_header_only_csv_reads_as_an_empty_directory(tmp_path):
    directory = read_directory(write(tmp_path, "d.csv", CSV_HEADER))
    assert directory.people == {}
