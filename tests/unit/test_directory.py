"""Directory files: a good one is read from YAML or CSV, with thread spaces, and a hostile one is reported plainly."""

from __future__ import annotations

import pytest

from bot.directory import PARTNERSHIP, Directory, Identity, parse_directory
from handlers.directory_files import read_directory
from tests.unit.directory_text import AMARA, BEN, CSV_HEADER, HEADER, assert_error, errors_in, line_with, write, yaml_file
from tests.unit.factories import four_stage_policy

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
