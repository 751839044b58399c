"""bot/identifiers.py scans text in C (a regex, str.translate): the same answers as testing each
character by its Unicode category and the removal sets, for every character of the BMP and some beyond."""

from __future__ import annotations

import unicodedata

from bot import identifiers as ids

CHARACTERS = [chr(cp) for cp in [*range(0x10000), 0x1F600, 0xE0001, 0x10FFFF]]


def _bad_by_category(text: str, allow_newlines: bool) -> ids.BadCharacter | None:
    allowed = "\n\t\r" if allow_newlines else "\t"
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            return ids.BadCharacter.SURROGATE
        if category == "Cc" and ch not in allowed:
            return ids.BadCharacter.CONTROL
    return None


def test_bad_character_finds_what_a_loop_over_the_categories_finds() -> None:
    for ch in CHARACTERS:
        for allow_newlines in (True, False):
            text = f"a{ch}b\x00"  # the first bad character decides
            assert ids.bad_character(text, allow_newlines=allow_newlines) == _bad_by_category(text, allow_newlines), hex(ord(ch))


def test_cleaning_removes_exactly_the_listed_characters() -> None:
    for ch in CHARACTERS:
        text = f" x{ch}y "
        lines = text.replace("\r\n", "\n").replace("\r", "\n")
        assert ids.clean_free_text(text) == "".join(c for c in lines if c not in ids._FREE_TEXT_REMOVED).strip(), hex(ord(ch))
        name = " ".join("".join(c for c in text if c not in ids.BIDI_CONTROLS | ids.ZERO_WIDTH).split())
        assert ids.clean_name(text) == name, hex(ord(ch))
