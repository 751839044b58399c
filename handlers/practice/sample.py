"""The practice workspace's built-in sample directory: made-up people, never real ones.

Children's Social Care is on Slack, the police on Teams, the partnership's staff on Slack, so one
dispute spans both platforms. Each agency has a practitioner, their line manager and a holder of
every agency role the policy names; the partnership has a holder of each of its roles.
"""

from __future__ import annotations

from bot.directory import PARTNERSHIP, Agency, Directory, Identity, Membership, Person
from bot.policy import Policy

SLACK_TEAM = "T0PRACTICE"
TEAMS_TENANT = "practice-police"

AGENCIES = {
    "csc": Agency("csc", "Children's Social Care (practice)"),
    "police": Agency("police", "Police (practice)"),
    PARTNERSHIP: Agency(PARTNERSHIP, "Safeguarding Partnership (practice)"),
}
PLATFORM = {"csc": "slack", "police": "teams", PARTNERSHIP: "slack"}

# (practitioner, line manager) in each agency
STAFF = {
    "csc": (("amara.okafor", "Amara Okafor"), ("ben.hughes", "Ben Hughes")),
    "police": (("rhys.jones", "DC Rhys Jones"), ("sana.khan", "DS Sana Khan")),
}
# names for the holders of the policy's roles, taken in turn
ROLE_NAMES = {
    "csc": ["Priya Shah", "Tom Ellis", "Grace Mensah", "Owen Price", "Lucy Barnes"],
    "police": ["DI Carl Reid", "Supt Helen Ward", "DCI Amir Patel", "DI Joanne Hart", "Ch Insp Mark Lee"],
    PARTNERSHIP: ["Ruth Adeyemi", "Colin Marsh", "Fatima Noor", "Dev Chauhan", "Alice Moore"],
}


def user_id(platform: str, person_id: str) -> str:
    """The chat user id a sample person has on their platform."""
    compact = person_id.replace(".", "").replace("_", "")
    return f"U0{compact.upper()}" if platform == "slack" else f"29:{compact.lower()}"


def _person(person_id: str, name: str, agency: str, roles: tuple[str, ...] = (), line_manager: str | None = None) -> Person:
    platform = PLATFORM[agency]
    workspace = SLACK_TEAM if platform == "slack" else TEAMS_TENANT
    return Person(
        id=person_id,
        name=name,
        email=f"{person_id}@{agency}.practice.invalid",
        memberships=(Membership(agency, frozenset(roles), line_manager),),
        identities=(Identity(platform, workspace, user_id(platform, person_id)),),
    )


def sample_directory(policy: Policy) -> Directory:
    """The sample people for this policy (its roles decide who else is there besides the four staff)."""
    people: list[Person] = []
    for agency, ((practitioner, p_name), (manager, m_name)) in STAFF.items():
        people.append(_person(practitioner, p_name, agency, line_manager=manager))
        people.append(_person(manager, m_name, agency))
        names = ROLE_NAMES[agency]
        for i, role in enumerate(policy.agency_roles):
            name = names[i % len(names)] + ("" if i < len(names) else f" {i + 1}")
            people.append(_person(f"{agency}.{role}", name, agency, (role,)))
    for i, role in enumerate(policy.partnership_roles):
        names = ROLE_NAMES[PARTNERSHIP]
        name = names[i % len(names)] + ("" if i < len(names) else f" {i + 1}")
        people.append(_person(f"{PARTNERSHIP}.{role}", name, PARTNERSHIP, (role,)))
    return Directory(agencies=dict(AGENCIES), people={p.id: p for p in people})


def who_is_who(directory: Directory) -> list[dict[str, str]]:
    """The people to choose from on the page: id, name, agency name, platform and chat user id."""
    out = []
    for person in directory.people.values():
        [identity] = person.identities
        agency = person.agencies[0]
        roles = sorted(r for m in person.memberships for r in m.roles)
        if roles:
            role = ", ".join(r.replace("_", " ") for r in roles)
        elif any(person.id == s[0][0] for s in STAFF.values()):
            role = "practitioner"
        else:
            role = "line manager"
        out.append(
            {
                "id": person.id,
                "name": person.name,
                "agency": AGENCIES[agency].name,
                "role": role,
                "platform": identity.platform,
                "user": identity.user_id,
            }
        )
    return out
