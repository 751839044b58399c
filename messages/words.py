"""Small pieces of wording used by every builder: role names, articles, stage labels, the learning line."""

from __future__ import annotations

from typing import Any

# Role ids are snake_case; these parts are initials and read in capitals
INITIALS = frozenset({"lscb", "lsp", "qa", "csc", "nhs", "dsl", "lado", "mash", "gp", "cp", "camhs", "icb", "sen", "send", "it"})
_VOWEL_SOUND_INITIALS = frozenset("AEFHILMNORSX")  # "an LSCB", "an MASH", "a CP"


def role_name(role: str, policy: Any = None) -> str:
    """A role as people say it: the policy's display name when it has one (`Policy.role_label`),
    else the id made readable ('lscb_representative' -> 'LSCB representative')."""
    label = getattr(policy, "role_label", None) if policy is not None else None
    if callable(label) and role:
        named = label(role)
        if isinstance(named, str) and named:
            return named
    parts = role.replace("_", " ").replace("-", " ").split()
    return " ".join(p.upper() if p.lower() in INITIALS else p for p in parts)


def with_article(name: str) -> str:
    """'a practitioner', 'an LSCB representative', 'an operational manager'."""
    if not name:
        return name
    first = name.split()[0]
    if first.isupper() and len(first) > 1:
        article = "an" if first[0] in _VOWEL_SOUND_INITIALS else "a"
    else:
        article = "an" if first[0].lower() in "aeio" else "a"
    return f"{article} {name}"


def learning_line(learning_to: str, learning_group: str, policy: Any = None) -> str:
    """'Learning points go to the board manager for the relevant LSCB sub-group.' (one 'the', whatever the policy wrote)."""
    group = learning_group.strip()
    if group.lower().startswith("the "):
        group = group[4:]
    return f"Learning points go to the {role_name(learning_to, policy)} for the {group}."


def numbers_itself(name: str) -> bool:
    """'Step 2 - …', 'Stage 1 - …', '3. …': the procedure's name for a stage already says where it is."""
    first = name.split()[0].lower() if name.split() else ""
    return first in ("stage", "step", "level", "tier") or first[:1].isdigit()


def stage_label(number: int, count: int, name: str) -> str:
    """The procedure's own name for a stage; its position only when the name doesn't number itself."""
    return name if numbers_itself(name) else f"{name} ({number} of {count})"
