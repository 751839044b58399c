"""Directory files: each error is reported with its line, every one at once."""

from __future__ import annotations

import pytest

from bot.directory import DirectoryError, InvalidDirectory
from handlers.directory_files import read_directory
from tests.unit.directory_text import AMARA, BEN, CSV_HEADER, HEADER, assert_error, errors_in, line_with, write, yaml_file
from tests.unit.factories import four_stage_policy

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
