"""GeoReport v2's two formats, domain-free: the same plain values (dicts, lists, text, numbers,
booleans, None) as JSON or as XML with the spec's element names.

JSON: the value as it is (arrays of objects for services, requests and errors). XML: a UTF-8
document whose root is named by the caller; a list's items are named by the list's own name
(``services`` → ``service``, ``service_requests`` → ``request``…), ``None`` is an empty element,
booleans are ``true``/``false``. Dates are W3C date-times with their offset, in Beijing time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape

import orjson

from hotline.timefmt import SHANGHAI

FORMATS: Final = ("xml", "json")
MEDIA_TYPES: Final = {"xml": "text/xml; charset=utf-8",
                      "json": "application/json; charset=utf-8"}
ITEM_NAMES: Final = {
    "services": "service", "service_requests": "request", "errors": "error",
    "attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
}
# characters XML 1.0 cannot carry at all (C0 controls but tab and newlines, lone surrogates)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def w3c(at: datetime | None) -> str | None:
    """A W3C date-time with its zone, in Beijing time, to the second."""
    return at.astimezone(SHANGHAI).isoformat(timespec="seconds") if at else None


def w3c_text(shown: str) -> str:
    """A Beijing ISO-8601 text (``hotline.timefmt.iso_stored``) to the second, as :func:`w3c`."""
    return shown[:19] + shown[-6:] if len(shown) > 25 else shown


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(_NOT_XML.sub("", str(value)))


def _element(name: str, value: Any, out: list[str]) -> None:
    if value is None:
        out.append(f"<{name}></{name}>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, inner in value.items():
            _element(key, inner, out)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):
        item = ITEM_NAMES[name]
        out.append(f"<{name}>")
        for inner in value:
            _element(item, inner, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


XML_DECLARATION: Final = b'<?xml version="1.0" encoding="utf-8"?>'


def element(name: str, value: Any) -> bytes:
    """One element (no declaration): a part of a document :func:`xml` would write."""
    out: list[str] = []
    _element(name, value, out)
    return "".join(out).encode("utf-8")


def xml(root: str, value: Any) -> bytes:
    return XML_DECLARATION + element(root, value)


def render(fmt: str, root: str, value: Any) -> bytes:
    """``value`` in ``fmt``; ``root`` names the XML document element."""
    if fmt == "json":
        return orjson.dumps(value)
    return xml(root, value)


def errors(status: int, description: str) -> list[dict[str, Any]]:
    """The spec's error list: ``[{code, description}]`` (code: the HTTP status)."""
    return [{"code": status, "description": description}]


def format_of(path: str) -> str:
    """The format a path asks for by its suffix; XML (the spec's required format) otherwise."""
    return "json" if path.rstrip("/").endswith(".json") else "xml"
