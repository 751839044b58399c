"""Finding the other professional in Parley's directory by name, for the intake form's search box.

For someone who isn't on Slack here (for example a police officer on Teams): Slack's own user
picker can't show them, so the form asks Parley (a `block_suggestion` request) as they type.
Pure functions of the Directory; names and agencies only, nothing else about anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.directory import PARTNERSHIP, Directory

MIN_QUERY = 2  # Slack asks from the 2nd letter (the element's min_query_length); so do we
MAX_FOUND = 20


@dataclass(frozen=True)
class Found:
    person_id: str
    name: str
    agencies: tuple[str, ...]  # agency names, for telling two people of the same name apart


def find_people(directory: Directory, query: str, *, agency: str | None, exclude: str | None, limit: int = MAX_FOUND) -> list[Found]:
    """People whose name holds every word typed, in `agency` when one is chosen; names starting with it first."""
    words = query.casefold().split()
    if len("".join(words)) < MIN_QUERY:
        return []
    ranked = []
    for person in directory.people.values():
        if person.id == exclude:
            continue
        agencies = [a for a in person.agencies if a != PARTNERSHIP]  # the other party is in an agency, not the partnership
        if agency is not None:
            agencies = [a for a in agencies if a == agency]
        if not agencies:
            continue
        name = person.name.casefold()
        if not all(w in name for w in words):
            continue
        starts = any(part.startswith(words[0]) for part in name.split())
        ranked.append((not starts, name, person.id, Found(person.id, person.name, tuple(directory.agency_name(a) for a in agencies))))
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked[:limit]]
