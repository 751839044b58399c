"""Whatever a file holds, the loaders answer only with their own error, each problem with a line."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from bot.directory import InvalidDirectory
from bot.policy import InvalidPolicy
from handlers.directory_files import read_directory
from handlers.files import read_policy
from policies import preset_path

PRESET = preset_path("lscb").read_text(encoding="utf-8")
YAML_BITS = st.sampled_from(
    ["\n", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!binary ",
     "!!set ", "!!omap ", "2026-02-30", "9" * 400, "'", '"', "#", "\t", "\x00", "\ud800", "<<: ", "? ", "|\n", ">\n",
     "name: x\n", "stages:\n", "  - id: a\n", "    timescale: 3000000 working days\n", "agencies:\n", "people:\n",
     ",", "\r\n", "id,name,email,agency,roles,line_manager,slack,teams\n", "a,A,a@b.cc,csc,,,T/U\n", "x" * 140_000]
)  # fmt: skip


def _fragments() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(YAML_BITS, st.text(max_size=8)), max_size=30).map("".join)


def _mutated() -> st.SearchStrategy[str]:
    return st.tuples(st.integers(0, len(PRESET)), _fragments()).map(lambda t: PRESET[: t[0]] + t[1] + PRESET[t[0] :])


# Problems about the file as a whole have nothing to point at; every other one names its line.
WHOLE_FILE = (
    "UTF-8", "is missing", "there is no ", "a policy needs at least", "the file is empty", "the file should be a set",
    "the directory is empty", "the directory must be",
)


def _has_line(err: object) -> bool:
    return err.line is not None or any(w in err.message for w in WHOLE_FILE)  # type: ignore[attr-defined]


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(text=st.one_of(_fragments(), _mutated()))
def test_the_policy_loader_only_ever_raises_its_own_error_with_lines(tmp_path: Path, text: str) -> None:
    try:
        read_policy(_write(tmp_path, "p.yaml", text))
    except InvalidPolicy as e:
        assert e.errors and all(map(_has_line, e.errors)), e.errors


@FUZZ
@given(text=_fragments(), suffix=st.sampled_from([".yaml", ".csv"]))
def test_the_directory_loader_only_ever_raises_its_own_error_with_lines(tmp_path: Path, text: str, suffix: str) -> None:
    try:
        read_directory(_write(tmp_path, "d" + suffix, text))
    except InvalidDirectory as e:
        assert e.errors and all(map(_has_line, e.errors)), e.errors
