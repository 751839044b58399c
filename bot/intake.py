"""Checks on what a practitioner types at intake, shared by every chat front end."""

from __future__ import annotations

import re

REFERENCE_MAX = 40
_EMAIL = re.compile(r"\S+@\S+")
_NAME_WORD = re.compile(r"^[A-Z][a-z'’-]+$")


def reference_problem(text: str) -> str | None:
    """Why `text` can't be a case reference (empty, too long, looks like a name or an email), or None."""
    ref = (text or "").strip()
    if not ref:
        return "Please give the case reference."
    if len(ref) > REFERENCE_MAX:
        return f"A case reference is at most {REFERENCE_MAX} characters."
    if _EMAIL.search(ref):
        return "That looks like an email address. Please use the case reference from your case system."
    words = ref.split()
    if sum(1 for w in words if _NAME_WORD.match(w)) >= 2:
        return "That looks like a name. Please use the case reference only, never a child's name."
    if not any(ch.isdigit() for ch in ref):
        return "Case references contain numbers (for example CSC-2026-0193). Please don't use a name."
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 /_.:#-]*", ref):
        return "Please use only letters, numbers, spaces and - / _ . : #"
    return None
