"""What identifies a person, found in a case reference or in free text, so it never reaches chat.

A case reference is normalised first (`normalise_reference`: NFKC, every dash to '-', bidi
controls and zero-width characters removed, spaces collapsed); then `find_in_reference` looks
for a forename, a date, a phone number, a postcode, an NHS number, a National Insurance number
or an email address, in any common spelling. Free text is only checked for NHS numbers, NI
numbers and "DOB"/"born" followed by a date (`find_in_free_text`): names in free text are not
refused.

Forenames and ordinary words: the forename list (bot/data/forenames.txt) holds words such as
"Case", "Early", "Will" or "Mark". A word of a reference is read as a forename only when
- it is in the forename list (any capitalisation), and
- it is not one of REFERENCE_WORDS (words and agency abbreviations found in references), and
- it is not a two-letter word in capitals (an abbreviation, e.g. "ED"), and
- it does not directly follow "Op" or "Operation" (operation names are often ordinary words).

Only the kind of what was found is returned; messages/identifiers.py words it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


class Kind(enum.Enum):
    FORENAME = "forename"
    NAME_AND_YEAR = "name and year"
    DATE_OF_BIRTH = "date of birth"
    DATE = "date"
    PHONE = "phone number"
    POSTCODE = "postcode"
    NHS_NUMBER = "NHS number"
    NI_NUMBER = "National Insurance number"
    EMAIL = "email address"


@dataclass(frozen=True)
class Found:
    kind: Kind
    text: str  # the part of the input that looks like it


# --- Characters --------------------------------------------------------------------------------

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Zero-width joiners stay in free text (emoji and some scripts need them); the rest go.
ZERO_WIDTH = frozenset("\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff")
_FREE_TEXT_REMOVED = BIDI_CONTROLS | frozenset("\u00ad\u180e\u200b\u2060\ufeff")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans({d: "-" for d in _DASHES})
# the same as testing each character in Python, in C (a form's free text is checked a dozen times per submission)
_FREE_TEXT_TABLE = str.maketrans(dict.fromkeys(_FREE_TEXT_REMOVED))
_NAME_TABLE = str.maketrans(dict.fromkeys(BIDI_CONTROLS | ZERO_WIDTH))
# Unicode's Cc (control: U+0000-U+001F, U+007F-U+009F) but newline, tab and carriage return; Cs (surrogates)
_BAD_IN_FREE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_IN_A_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")  # tab allowed


class BadCharacter(enum.Enum):
    CONTROL = "control"  # NUL and other control characters
    SURROGATE = "surrogate"  # half of a character, which no database can store


def bad_character(text: str, *, allow_newlines: bool = True) -> BadCharacter | None:
    """Whether `text` holds a character Parley refuses: a control character (newline and tab
    allowed in free text) or a lone surrogate."""
    found = (_BAD_IN_FREE_TEXT if allow_newlines else _BAD_IN_A_LINE).search(text)  # the first, as a loop over it would find
    if found is None:
        return None
    return BadCharacter.SURROGATE if unicodedata.category(found.group()) == "Cs" else BadCharacter.CONTROL


def clean_free_text(text: str) -> str:
    """Free text with bidi controls and invisible characters removed, line ends made '\\n', stripped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_FREE_TEXT_TABLE).strip()


def clean_name(text: str) -> str:
    """A one-line name or label with bidi controls and zero-width characters removed, spaces collapsed."""
    return " ".join(text.translate(_NAME_TABLE).split())


def normalise_reference(text: str) -> str:
    """NFKC, every dash as '-', bidi and zero-width characters removed, spaces collapsed."""
    return clean_name(unicodedata.normalize("NFKC", text).translate(_DASH_TABLE))


# --- Patterns ----------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:(?:19|20)\d{2}|\d{2})"
_DATES = (
    rf"(?<!\d){_DAY}\s?([./-])\s?{_MON}\s?\1\s?{_YEAR}(?!\d)",  # 12/03/2015, 1.2.20
    rf"(?<!\d){_MON}\s?([./-])\s?{_DAY}\s?\2\s?{_YEAR}(?!\d)",  # 03/12/2015 (US order)
    rf"(?<!\d){_DAY}\s{_MON}\s(?:19|20)\d{{2}}(?!\d)",  # 12 03 2015
    rf"(?<!\d)(?:19|20)\d{{2}}\s?([./-])\s?{_MON}\s?\3\s?{_DAY}(?!\d)",  # 2015-03-12
    rf"(?<![\d\w]){_DAY}(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH}(?:,?\s*{_YEAR})?(?![\w])",  # 12th March 2015
    rf"(?<!\w){_MONTH}\s*{_DAY}(?:st|nd|rd|th)?,?\s*(?:{_YEAR})?(?!\d)",  # March 12, 2015
    rf"(?<!\w){_MONTH},?\s*(?:19|20)\d{{2}}(?!\d)",  # March 2015
)
DATE = re.compile("|".join(f"(?:{d})" for d in _DATES), re.IGNORECASE)
_BIRTH_WORDS = r"(?:d\.?\s?o\.?\s?b\.?|date\s+of\s+birth|birth\s?day|born(?:\s+on)?)"
BIRTH_WORD = re.compile(rf"(?<![a-z]){_BIRTH_WORDS}(?![a-z])", re.IGNORECASE)
_BIRTH_THEN_DATE = re.compile(rf"(?<![a-z]){_BIRTH_WORDS}[\s:,=-]*(?:on\s+)?(?={DATE.pattern})", re.IGNORECASE)
NI_NUMBER = re.compile(
    r"(?<![a-z0-9])(?!bg|gb|nk|kn|tn|nt|zz)(?:qq|[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z])"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d](?![a-z0-9])",
    re.IGNORECASE,
)
POSTCODE = re.compile(r"(?<![a-z0-9])(?:[a-z]{1,2}\d[a-z\d]?|gir)\s?\d[abd-hjlnp-uw-z]{2}(?![a-z0-9])", re.IGNORECASE)
_AT = r"(?:@|\s*[(\[{<]\s*at\s*[)\]}>]\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*[(\[{<]\s*dot\s*[)\]}>]\s*|\s+dot\s+)"
EMAIL = re.compile(rf"[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)+|@", re.IGNORECASE)
# Digits in groups (spaces, brackets or dashes between them), not glued to a word, '/' or '.'.
_DIGIT_RUN = re.compile(r"(?<![\w/.-])\+?\(?\d[\d ()-]*\d(?![\w/])")
_FREE_NHS = re.compile(r"(?<![\d])\d(?:[ -]?\d){9}(?![\d])")
_WORD = re.compile(r"[^\W\d_]+")
_NAME_AND_YEAR = re.compile(r"(?<![^\W\d_])([A-Za-z]*[a-z][A-Za-z]*)((?:19|20)\d{2})(?!\d)")
_OPERATION = ("op", "operation", "opn")

# Words found in case references that the forename list also holds, or may one day.
REFERENCE_WORDS = frozenset(
    """
    case ref refs reference no num number id help early police op operation opn crime incident
    occurrence log job file record child children family families social care csc cs sc eh ehm
    mash cin cp cpp lac cla cic yot yjs camhs gp nhs send ehcp lado marac mappa strategy referral
    contact assessment plan review core group meeting school health education mosaic liquidlogic
    lcs eclipse niche athena storm cad urn upn team hub area north south east west central county
    city council trust board partnership lscb scp dscp bdscp nscb hips stage step dispute
    challenge police ps dc ds pc sgt hv sn ed adult adults court legal private fostering ward
    """.split()
)


@lru_cache(maxsize=1)
def forenames() -> frozenset[str]:
    """The forename list, in lower case (bot/data/forenames.txt)."""
    text = resources.files("bot.data").joinpath("forenames.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def nhs_number_is_valid(digits: str) -> bool:
    """Whether ten digits carry a valid NHS mod-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _phone_or_nhs(candidate: str) -> Kind | None:
    digits = re.sub(r"\D", "", candidate)
    if len(digits) == 10 and nhs_number_is_valid(digits):
        return Kind.NHS_NUMBER
    if candidate.startswith("+44") or digits.startswith("0044"):
        national = digits[2:] if candidate.startswith("+") else digits[4:]
        national = national.removeprefix("0")
        return Kind.PHONE if 9 <= len(national) <= 10 else None
    if digits.startswith("0") and 10 <= len(digits) <= 11:
        return Kind.PHONE
    return None


def _forename(ref: str) -> Found | None:
    names = forenames()
    words = [m.group() for m in _WORD.finditer(ref)]
    for n, word in enumerate(words):
        folded = word.casefold()
        if folded in REFERENCE_WORDS or (len(word) == 2 and word.isupper()):
            continue
        if n > 0 and words[n - 1].casefold() in _OPERATION:
            continue
        parts = [word] + re.findall(r"[A-Z][a-z]+", word)  # JaneSmith -> Jane, Smith
        for part in parts:
            if part.casefold() in names and part.casefold() not in REFERENCE_WORDS:
                return Found(Kind.FORENAME, part)
    return None


def find_in_reference(ref: str) -> Found | None:
    """The first thing in a (normalised) case reference that identifies a person, or None."""
    if m := EMAIL.search(ref):
        return Found(Kind.EMAIL, m.group())
    for m in _DIGIT_RUN.finditer(ref):
        if kind := _phone_or_nhs(m.group()):
            return Found(kind, m.group())
    if m := NI_NUMBER.search(ref):
        return Found(Kind.NI_NUMBER, m.group())
    if m := BIRTH_WORD.search(ref):
        return Found(Kind.DATE_OF_BIRTH, m.group())
    if m := DATE.search(ref):
        return Found(Kind.DATE, m.group())
    if m := POSTCODE.search(ref):
        return Found(Kind.POSTCODE, m.group())
    if found := _forename(ref):
        return found
    for m in _NAME_AND_YEAR.finditer(ref):
        if m.group(1).casefold() not in REFERENCE_WORDS:
            return Found(Kind.NAME_AND_YEAR, m.group())
    return None


def find_in_free_text(text: str) -> Found | None:
    """An NHS number, an NI number, or "DOB"/"born" followed by a date, in free text; or None."""
    for m in _FREE_NHS.finditer(text):
        if nhs_number_is_valid(re.sub(r"\D", "", m.group())):
            return Found(Kind.NHS_NUMBER, m.group())
    if ni := NI_NUMBER.search(text):
        return Found(Kind.NI_NUMBER, ni.group())
    if birth := _BIRTH_THEN_DATE.search(text):
        return Found(Kind.DATE_OF_BIRTH, birth.group())
    return None


# --- The partnership's own reference formats ---------------------------------------------------

PATTERN_MAX = 200  # characters in a pattern; references themselves are at most 40


@dataclass(frozen=True)
class ReferenceFormat:
    """One form of case reference the partnership uses: a name, a pattern, examples."""

    name: str
    pattern: str  # matched against the whole normalised reference, ignoring case
    examples: tuple[str, ...]

    def matches(self, ref: str) -> bool:
        """Whether the whole of `ref` (normalised) has this form."""
        return _compiled(self.pattern).fullmatch(ref) is not None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` can't be a reference format (too long, unreadable, slow, matches nothing), or None."""
    if len(pattern) > PATTERN_MAX:
        return f"the pattern is {len(pattern)} characters long; keep it under {PATTERN_MAX}"
    try:
        tree = re._parser.parse(pattern)  # type: ignore[attr-defined]
        compiled = re.compile(pattern, re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as e:
        return f"the pattern can't be read: {e}"
    if why := _slow_or_unanchored(list(tree), top=True):
        return why
    if compiled.fullmatch("") is not None:
        return "the pattern matches an empty reference; it must need at least one character"
    return None


def _slow_or_unanchored(items: list, *, top: bool, repeated: bool = False) -> str | None:  # type: ignore[type-arg]  # noqa: C901 - over 12 branches; noted for simplification
    c = re._constants  # type: ignore[attr-defined]
    last = len(items) - 1
    for n, (op, arg) in enumerate(items):
        if op is c.AT and arg in (c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_END, c.AT_END_STRING):
            at_edge = top and ((n == 0 and arg in (c.AT_BEGINNING, c.AT_BEGINNING_STRING)) or n == last)
            if not at_edge:
                return "use ^ and $ only at the very start and end (the whole reference is matched anyway)"
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            many = high is c.MAXREPEAT or high > 1
            if many and repeated:
                return "a repeat inside a repeat, like (a+)+, can take for ever to check; write it without nesting"
            if why := _slow_or_unanchored(list(sub), top=False, repeated=repeated or many):
                return why
        elif op is c.SUBPATTERN:
            if why := _slow_or_unanchored(list(arg[-1]), top=False, repeated=repeated):
                return why
        elif op is c.BRANCH:
            for alternative in arg[1]:
                if why := _slow_or_unanchored(list(alternative), top=False, repeated=repeated):
                    return why
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS, c.ASSERT, c.ASSERT_NOT):
            return "back-references and look-arounds are not needed for a reference; write the form out plainly"
    return None
