"""The two formats of GeoReport v2, rendered from plain values."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from open311 import formats
from tests.open311.spec import parse_xml


def test_w3c_dates_are_beijing_time_with_their_offset():
    at = datetime(2026, 11, 27, 2, 15, 30, 123456, tzinfo=UTC)
    assert formats.w3c(at) == "2026-11-27T10:15:30+08:00"
    assert formats.w3c(None) is None


def test_xml_names_list_items_and_writes_empty_values_and_booleans():
    body = formats.render("xml", "services", [
        {"service_code": "ENV-NOISE", "metadata": True, "group": None, "description": "a<b&c"}])
    doc = parse_xml(body)
    (service,) = list(doc)
    assert service.tag == "service"
    assert [(c.tag, c.text) for c in service] == [
        ("service_code", "ENV-NOISE"), ("metadata", "true"), ("group", None),
        ("description", "a<b&c")]


def test_xml_nests_definitions_and_drops_what_xml_cannot_carry():
    body = formats.render("xml", "service_definition", {"service_code": "X", "attributes": [
        {"code": "kind", "values": [{"key": "report", "name": "举报\x01"}]}]})
    doc = parse_xml(body)
    value = doc.find("attributes/attribute/values/value")
    assert value is not None and value.findtext("name") == "举报"


def test_json_is_the_value_itself_and_errors_are_code_and_description():
    assert orjson.loads(formats.render("json", "errors", formats.errors(404, "没有"))) == [
        {"code": 404, "description": "没有"}]
    assert formats.format_of("/open311/v2/services.json") == "json"
    assert formats.format_of("/open311/v2/services.csv") == "xml"
