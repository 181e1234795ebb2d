"""Redaction of free text for publication (PIPL): what a reviewer starts from.

:func:`find` returns the spans of personal data in a text, :func:`redact` replaces them:

* names (found by :mod:`publishing.names`): a given name becomes 某 and the surname stays
  (王小明 → 王某, 欧阳娜娜 → 欧阳某); a surname with a form of address alone (王女士, 李师傅,
  张经理) names nobody and stays;
* phone numbers: mobiles (with +86, spaces, dashes) and landlines with an area code (0571-
  87654321, (0571)8765 4321), or a 7-8 digit number right after 电话/座机; hotline and
  service numbers (12345, 400/800 numbers, 5-digit 95xxx) stay;
* ID numbers (18 digits with the check character, and the old 15 digits), bank card numbers
  (16-19 digits, grouped or not), licence plates (all mainland formats: 浙A12345, the
  new-energy 浙AD12345 / 浙A12345D, 粤B·F1234, 挂/学/警 plates), e-mail addresses, QQ and
  WeChat account ids after their label;
* house and room numbers: 3栋2单元501室, 12号楼, 5幢, 801室, 文三路123号, 门牌号…, 3-2-501.

:func:`street_level` cuts an address after its road or street, and :func:`round_coordinate`
rounds a coordinate to 3 decimals (about 100 m).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from publishing import names as person_names

KINDS = ("name", "phone", "id_number", "bank_card", "plate", "email", "account", "house")
MASKS = {
    "phone": "〔电话〕",
    "id_number": "〔身份证号〕",
    "bank_card": "〔银行卡号〕",
    "plate": "〔车牌〕",
    "email": "〔邮箱〕",
    "account": "〔账号〕",
    "house": "〔门牌〕",
}

_D = "(?<![\\dA-Za-z])"
_E = "(?![\\dA-Za-z])"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
    ("id_number", re.compile(
        f"{_D}[1-9]\\d{{5}}[ -]?(?:19|20)\\d{{2}}[01]\\d[0-3]\\d[ -]?\\d{{3}}[\\dXx]{_E}")),
    ("id_number", re.compile(f"{_D}[1-9]\\d{{7}}[01]\\d[0-3]\\d\\d{{3}}{_E}")),
    ("bank_card", re.compile(f"{_D}[3-6]\\d{{3}}(?:[ -]?\\d{{4}}){{2,3}}(?:[ -]?\\d{{1,3}})?{_E}")),
    ("phone", re.compile(
        f"{_D}(?:\\+?86[ -]?)?1[3-9]\\d(?:[ -]?\\d){{4}}(?:[ -]?\\d){{4}}{_E}")),
    ("phone", re.compile(
        f"{_D}(?:\\(0\\d{{2,3}}\\)|（0\\d{{2,3}}）|0\\d{{2,3}})[ -]?[1-9]\\d{{2,3}}[ -]?\\d{{4}}"
        f"(?:[-转]\\d{{1,5}})?{_E}")),
    ("phone", re.compile(f"(?<=电话|座机|固话|号码)[:： ]*[2-9]\\d{{2,3}}[ -]?\\d{{4}}{_E}")),
    ("plate", re.compile(
        "[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领][A-HJ-NP-Za-hj-np-z]"
        "[·•・.\\s-]?(?:[DFdf][A-HJ-NP-Za-hj-np-z0-9]\\d{4}|\\d{5}[DFdf]|"
        f"[A-HJ-NP-Za-hj-np-z0-9]{{5}}|[A-HJ-NP-Za-hj-np-z0-9]{{4}}[挂学警港澳领试超]){_E}")),
    ("account", re.compile(
        "(?:QQ|qq|微信)(?:号码|号)?(?:是|为)?[:： ]*(?P<v>[A-Za-z0-9_-]{5,20})")),
    ("account", re.compile(f"{_D}wxid_[A-Za-z0-9_-]{{3,30}}")),
    ("house", re.compile(
        "(?:[0-9一二三四五六七八九十]{1,3}(?:号楼|栋|幢|座|单元|号院)[-\\s]?)+"
        "(?:\\d{1,4}(?:室|号房|房|户|层|楼|号)|\\d{3,4}(?!\\d))?")),
    ("house", re.compile(f"{_D}\\d{{1,3}}-\\d{{1,2}}-\\d{{3,4}}{_E}")),
    ("house", re.compile(f"{_D}\\d{{3,4}}(?:室|号房|房间)")),
    ("house", re.compile("(?<=[路街巷弄道里])\\d{1,5}(?:-\\d{1,4})?(?:号|弄)(?!线)")),
    ("house", re.compile(r"门牌(?:号码|号)?[:：\s]*(?P<v>[A-Za-z0-9-]{1,12})")),
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str
    text: str


def _names(text: str, known: Iterable[str]) -> list[Span]:
    return [Span(s, e, "name", text[s:e]) for s, e in person_names.find(text, known)]


def find(text: str, names: Iterable[str] = ()) -> list[Span]:
    """The personal data in ``text``, in order, without overlaps."""
    found = _names(text, names)
    for kind, pattern in _PATTERNS:
        group = "v" if "v" in pattern.groupindex else 0
        found.extend(Span(m.start(group), m.end(group), kind, m.group(group))
                     for m in pattern.finditer(text) if m.end(group) > m.start(group))
    # numbers, plates and addresses first (the longest wins), then names where they are free:
    # a "name" found across a plate (教练车浙A1234学) is no name
    found.sort(key=lambda s: (s.kind == "name", s.start, -(s.end - s.start)))
    out: list[Span] = []
    for s in found:
        if any(s.start < o.end and o.start < s.end for o in out):
            continue
        out.append(s)
    return sorted(out, key=lambda s: s.start)


def names_in(texts: Iterable[str], known: Iterable[str] = ()) -> list[str]:
    """Every name found in any of ``texts`` (and the ``known`` ones): a name recognised in one
    text is masked in the others too, even where no context names it."""
    found = {n for n in known if n}
    for text in texts:
        found.update(s.text for s in _names(text, known))
    return sorted(found)


def mask(span: Span) -> str:
    if span.kind == "name":
        return person_names.surname_of(span.text) + "某"
    return MASKS[span.kind]


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with every span of :func:`find` masked."""
    parts, at = [], 0
    for s in find(text, names):
        parts.append(text[at:s.start])
        parts.append(mask(s))
        at = s.end
    parts.append(text[at:])
    return "".join(parts)


_STREET = re.compile(r"^.*?(?:大道|大街|路|街(?!道)|巷|弄(?!\d)|胡同|里(?=\d))")
_AREA = re.compile(r"^.*?(?:街道|镇|乡|社区|村)")
_DISTRICT = re.compile(r"^.*?(?:区|县|市)")


def street_level(address: str | None) -> str:
    """The address cut after its road or street (else its subdistrict, town or district),
    without house numbers or names."""
    if not address:
        return ""
    text = address.strip()
    for pattern in (_STREET, _AREA, _DISTRICT):
        m = pattern.match(text)
        if m:
            return redact(m.group())
    return ""


def round_coordinate(value: float | None) -> float | None:
    """A latitude or longitude to 3 decimals: about 100 m."""
    return None if value is None else round(value, 3)
