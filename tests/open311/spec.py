"""GeoReport v2 as its specification describes it (wiki.open311.org/GeoReport_v2 and
/Service_Discovery), written down as JSON schemas and as the XML element names in order, to
check this server's replies against."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import jsonschema

W3C = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
BEIJING = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$"  # this server: Beijing, to the second
TEXT = {"type": ["string", "null"]}
WHEN = {"type": ["string", "null"], "pattern": BEIJING}

SERVICE_FIELDS = ("service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group")
REQUEST_FIELDS = ("service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url")
ATTRIBUTE_FIELDS = ("variable", "code", "datatype", "required", "datatype_description",
                    "order", "description", "values")
DISCOVERY_FIELDS = ("changeset", "contact", "key_service", "endpoints")
ENDPOINT_FIELDS = ("specification", "url", "changeset", "type", "formats")


def _object(fields: tuple[str, ...], props: dict[str, Any],
            required: tuple[str, ...] | None = None) -> dict[str, Any]:
    assert set(props) == set(fields)
    return {"type": "object", "properties": props, "required": list(required or fields),
            "additionalProperties": False}


SERVICES = {"type": "array", "items": _object(SERVICE_FIELDS, {
    "service_code": {"type": "string", "minLength": 1},
    "service_name": {"type": "string", "minLength": 1},
    "description": TEXT,
    "metadata": {"type": "boolean"},
    "type": {"enum": ["realtime", "batch", "blackbox"]},
    "keywords": TEXT,
    "group": TEXT,
})}

SERVICE_DEFINITION = _object(("service_code", "attributes"), {
    "service_code": {"type": "string", "minLength": 1},
    "attributes": {"type": "array", "items": _object(ATTRIBUTE_FIELDS, {
        "variable": {"type": "boolean"},
        "code": {"type": "string", "minLength": 1},
        "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                              "multivaluelist"]},
        "required": {"type": "boolean"},
        "datatype_description": TEXT,
        "order": {"type": "integer"},
        "description": {"type": "string"},
        "values": {"type": "array", "items": _object(("key", "name"), {
            "key": {"type": "string"}, "name": {"type": "string"}})},
    })},
})

REQUESTS = {"type": "array", "items": _object(REQUEST_FIELDS, {
    "service_request_id": {"type": "string", "minLength": 1},
    "status": {"enum": ["open", "closed"]},
    "status_notes": TEXT,
    "service_name": TEXT,
    "service_code": {"type": "string", "minLength": 1},
    "description": TEXT,
    "agency_responsible": TEXT,
    "service_notice": TEXT,
    "requested_datetime": {"type": "string", "pattern": BEIJING},
    "updated_datetime": WHEN,
    "expected_datetime": WHEN,
    "address": TEXT,
    "address_id": TEXT,
    "zipcode": TEXT,
    "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
    "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
    "media_url": TEXT,
})}

POSTED = {"type": "array", "minItems": 1, "maxItems": 1, "items": {
    "type": "object",
    "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"},
                   "service_notice": TEXT, "account_id": TEXT},
    "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    "additionalProperties": False,
}}

TOKENS = {"type": "array", "items": _object(("service_request_id", "token"), {
    "service_request_id": TEXT, "token": {"type": "string", "minLength": 1}})}

ERRORS = {"type": "array", "minItems": 1, "items": _object(("code", "description"), {
    "code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}})}

DISCOVERY = _object(DISCOVERY_FIELDS, {
    "changeset": {"type": "string", "pattern": W3C},
    "contact": {"type": "string"},
    "key_service": {"type": "string"},
    "endpoints": {"type": "array", "minItems": 1, "items": _object(ENDPOINT_FIELDS, {
        "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
        "url": {"type": "string", "pattern": "^https?://"},
        "changeset": {"type": "string", "pattern": W3C},
        "type": {"enum": ["production", "test"]},
        "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}},
    })},
})


def check_json(schema: dict[str, Any], value: Any) -> None:
    jsonschema.validate(value, schema)


# XML: the document element, then each item element and its children in the spec's order
XML_LISTS = {
    "services": ("service", SERVICE_FIELDS),
    "service_requests": ("request", None),  # requests, POST answers and tokens
    "errors": ("error", ("code", "description")),
}


def parse_xml(body: bytes) -> ET.Element:
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    return ET.fromstring(body)


def check_xml(body: bytes, root: str, fields: tuple[str, ...] | None = None) -> ET.Element:
    """The document's element names as the spec has them; returns the root."""
    doc = parse_xml(body)
    assert doc.tag == root
    if root in XML_LISTS:
        item, expected = XML_LISTS[root]
        expected = fields or expected
        for child in doc:
            assert child.tag == item
            if expected is not None:
                assert tuple(c.tag for c in child) == expected
            for leaf in child:
                assert len(leaf) == 0  # flat: text only
    return doc


def xml_rows(doc: ET.Element) -> list[dict[str, str]]:
    return [{c.tag: c.text or "" for c in item} for item in doc]
