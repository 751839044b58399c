"""The CLI on hostile policy and directory files: one line and a reason each, and an empty directory is
never loaded by accident."""

from __future__ import annotations

from pathlib import Path

import pytest

import app
from storage.db import make_engine, session_factory
from storage.unit_of_work import SqlUnitOfWork

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIRECTORY = ROOT / "examples" / "directory.yaml"
HEADER_ONLY = "id,name,email,agency,roles,line_manager,slack,teams\n"


@pytest.fixture(autouse=True)
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'parley.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("PARLEY_POLICY", "PARLEY_DIRECTORY", "PORT", "HOST"):
        monkeypatch.delenv(name, raising=False)
    return url


def _people(url: str) -> int:
    engine = make_engine(url)
    try:
        with SqlUnitOfWork(session_factory(engine)) as uow:
            return len(uow.directory.load().people)
    finally:
        engine.dispose()


def test_a_header_only_csv_does_not_empty_the_directory_unless_asked(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert app.main(["db", "upgrade"]) == 0
    assert app.main(["directory", "load", str(EXAMPLE_DIRECTORY)]) == 0
    before = _people(database_url)
    empty = tmp_path / "staff.csv"
    empty.write_text(HEADER_ONLY, encoding="utf-8")

    assert app.main(["directory", "load", str(empty)]) == 1
    assert "would remove everyone" in capsys.readouterr().err and _people(database_url) == before > 0

    assert app.main(["directory", "load", "--allow-empty", str(empty)]) == 0
    assert _people(database_url) == 0


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("a: &x [1]\nb: *x\n", "line 1: Parley doesn't accept YAML anchors and aliases"),
        ("name: " + "9" * 5000 + "\n", "line 1: this number has 5000 digits"),
        ("name: !!int abc\n", "line 1: the value 'abc' can't be read as a whole number"),
        ("x: " + "[" * 2000 + "]" * 2000 + "\n", "line 1: settings are nested more than 50 deep"),
    ],
)
def test_policy_check_of_a_hostile_file_prints_a_line_and_a_reason(
    tmp_path: Path, content: str, phrase: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(content, encoding="utf-8")
    assert app.main(["policy", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert phrase in err and "Traceback" not in err


@pytest.mark.parametrize("target", ["nowhere.yaml", ".", "policy.txt"])
def test_policy_check_of_a_path_that_is_no_policy_file_says_so(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    Path("policy.txt").write_text("name: x\n", encoding="utf-8")
    assert app.main(["policy", "check", target]) == 1
    err = capsys.readouterr().err
    assert ("there is no policy file" in err or "folder" in err or "nor a .yaml file" in err) and "Traceback" not in err
