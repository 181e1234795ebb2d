"""Resident identity card numbers (公民身份号码, GB 11643-1999): checking and normalising.

An 18-character number is six region digits (GB/T 2260: the first two are a province-level
code), an eight-digit birth date ``YYYYMMDD``, a three-digit sequence and an ISO 7064 MOD 11-2
check character (``0``-``9`` or ``X``). :func:`normalize` accepts what a person or a card reader
hands in (spaces, full-width digits, a lower-case ``x``) and returns the canonical form, or
raises a 422 ``invalid_id_number`` that says what is wrong.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from hotline.errors import ValidationProblem

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # indexed by the weighted sum mod 11
MAX_AGE_YEARS = 130  # an older birth date is a typing error, not a person
# province-level prefixes (GB/T 2260), Taiwan/Hong Kong/Macao (71, 81, 82), the residence
# permits of Taiwan residents (83) and the permanent residence cards of foreigners (91, 2023)
PROVINCES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
        "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
        "63", "64", "65", "71", "81", "82", "83", "91",
    }
)
PERMITS = frozenset({"81", "82", "83"})


def check_char(first17: str) -> str:
    """The check character of the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _invalid(why: str) -> ValidationProblem:
    return ValidationProblem(f"身份证号码无效：{why}", code="invalid_id_number")


def birth_date(number: str) -> date:
    """The birth date in a normalised number."""
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def normalize(raw: str, *, today: date | None = None) -> str:
    """The canonical 18-character number (upper-case X), or a 422 ``invalid_id_number``."""
    value = unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").upper()
    if len(value) != 18:
        raise _invalid("应为 18 位")
    if not value[:17].isascii() or not value[:17].isdigit() or value[17] not in "0123456789X":
        raise _invalid("前 17 位应为数字，末位为数字或 X")
    # a mainland number names a county; residence permits use 810000, 820000 and 830000
    if value[:2] not in PROVINCES or (value[2:6] == "0000" and value[:2] not in PERMITS):
        raise _invalid("地区码不正确")
    try:
        born = birth_date(value)
    except ValueError:
        raise _invalid("出生日期不存在") from None
    today = today or date.today()
    if born > today:
        raise _invalid("出生日期晚于今天")
    if today.year - born.year > MAX_AGE_YEARS:
        raise _invalid("出生日期过早")
    if check_char(value[:17]) != value[17]:
        raise _invalid("校验码不符")
    return value
