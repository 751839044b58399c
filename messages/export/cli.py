"""What `app.py record show|export|verify` say to the person at the terminal."""

from __future__ import annotations

from bot.export import ChainCheck, when

PROBLEMS = {
    "changed": "its stored content no longer matches its hash: it was changed after it was written",
    "missing": "the entry before it is missing: the numbering jumps",
    "unhashed": "it has no hash",
}


def no_dispute(key: str) -> str:
    return f"There is no disagreement with case reference or id {key}."


def several_disputes(key: str, found: list[tuple[str, str]]) -> str:
    ids = ", ".join(i for i, _ in found)
    return f"{len(found)} disagreements have case reference {key}. Give the id of the one you mean: {ids}."


def chain_line(check: ChainCheck) -> str:
    """One line per dispute for `record verify`."""
    if check.ok:
        head = check.head or "(no entries)"
        return f"{check.reference}: {check.entries} entries, chain verified. Head: {head}"
    at = when(check.first_bad_at) if check.first_bad_at else "?"
    return (
        f"{check.reference}: CHAIN BROKEN at entry {check.first_bad_seq} ({check.first_bad_kind}, {at}): "
        f"{PROBLEMS.get(check.problem, check.problem)}."
    )


def verify_summary(checked: int, broken: int) -> str:
    if checked == 0:
        return "No disagreements to check."
    if broken == 0:
        return f"All {checked} record(s) verified: every entry matches its hash and follows the one before."
    return f"{broken} of {checked} record(s) do not verify. Keep this output; the entries named above were changed outside Parley."


def written(path: str, fmt: str, size: int) -> str:
    return f"Wrote the record ({fmt.upper()}, {size:,} bytes) to {path}."
