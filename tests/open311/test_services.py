"""GeoReport v2 discovery, services and service definitions, in XML and JSON, checked against
the spec's shapes; any other path or method answers in the spec's error format."""

from __future__ import annotations

import httpx
import pytest

from tests.open311 import spec
from tests.open311.helpers import JSON, V2, XML


async def test_discovery_names_the_endpoint_and_both_formats(client: httpx.AsyncClient):
    r = await client.get(f"{V2}/discovery.json")
    assert r.status_code == 200 and r.headers["content-type"] == JSON
    body = r.json()
    spec.check_json(spec.DISCOVERY, body)
    (endpoint,) = body["endpoints"]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]

    r = await client.get(f"{V2}/discovery.xml")
    assert r.status_code == 200 and r.headers["content-type"] == XML
    doc = spec.check_xml(r.content, "discovery")
    assert tuple(c.tag for c in doc) == spec.DISCOVERY_FIELDS
    endpoint_el = doc.find("endpoints/endpoint")
    assert endpoint_el is not None
    assert tuple(c.tag for c in endpoint_el) == spec.ENDPOINT_FIELDS
    assert [f.text for f in endpoint_el.iterfind("formats/format")] == [
        "text/xml", "application/json"]


async def test_services_are_the_leaf_categories_taking_reports_or_complaints(client):
    r = await client.get(f"{V2}/services.json")
    assert r.status_code == 200
    services = r.json()
    spec.check_json(spec.SERVICES, services)
    codes = {s["service_code"] for s in services}
    assert {"ENV-NOISE", "ENV-WATER-V", "TRAFFIC-ROAD", "SOCIAL-WAGE"} <= codes
    # consultations only, praise only, suggestions only, and the parents that group them
    assert not codes & {"GENERAL-POLICY", "GENERAL-PRAISE", "GENERAL-ADVICE", "ENV", "SOCIAL"}
    noise = next(s for s in services if s["service_code"] == "ENV-NOISE")
    assert noise == {"service_code": "ENV-NOISE", "service_name": "噪声污染",
                     "description": "噪声污染（受理举报、投诉）", "metadata": True,
                     "type": "batch", "keywords": "report,complaint", "group": "生态环境"}

    r = await client.get(f"{V2}/services.xml")
    doc = spec.check_xml(r.content, "services")
    assert {row["service_code"] for row in spec.xml_rows(doc)} == codes
    assert spec.xml_rows(doc)[0]["metadata"] == "true"


async def test_a_service_definition_lists_its_attributes(client):
    r = await client.get(f"{V2}/services/MARKET-CONSUMER.json")
    assert r.status_code == 200
    body = r.json()
    spec.check_json(spec.SERVICE_DEFINITION, body)
    attrs = {a["code"]: a for a in body["attributes"]}
    assert list(attrs) == ["kind", "region_code", "public"]
    assert [v["key"] for v in attrs["kind"]["values"]] == ["complaint"]  # no reports there
    assert [v["key"] for v in attrs["public"]["values"]] == ["true", "false"]

    r = await client.get(f"{V2}/services/MARKET-CONSUMER.xml")
    doc = spec.check_xml(r.content, "service_definition")
    assert doc.findtext("service_code") == "MARKET-CONSUMER"
    for attribute in doc.iterfind("attributes/attribute"):
        assert tuple(c.tag for c in attribute) == spec.ATTRIBUTE_FIELDS


@pytest.mark.parametrize("code", ["NO-SUCH", "GENERAL-POLICY", "ENV", "a%20b", "x" * 300])
async def test_unknown_services_are_404_in_both_formats(client, code):
    r = await client.get(f"{V2}/services/{code}.json")
    assert r.status_code == 404 and r.headers["content-type"] == JSON
    spec.check_json(spec.ERRORS, r.json())
    assert r.json()[0]["code"] == 404
    r = await client.get(f"{V2}/services/{code}.xml")
    assert r.status_code == 404 and r.headers["content-type"] == XML
    doc = spec.check_xml(r.content, "errors")
    assert spec.xml_rows(doc)[0]["code"] == "404"


@pytest.mark.parametrize("path", ["/services.csv", "/services", "/nothing.json", "/",
                                  "/requests/abc/def.json", "/tokens/.json"])
async def test_other_paths_are_404_in_the_spec_format(client, path):
    r = await client.get(V2 + path)
    assert r.status_code == 404
    body = r.json() if r.headers["content-type"] == JSON else None
    if body is not None:
        spec.check_json(spec.ERRORS, body)
    else:
        spec.check_xml(r.content, "errors")


async def test_other_methods_are_405(client):
    r = await client.delete(f"{V2}/services.json")
    assert r.status_code == 405
    assert r.json() == [{"code": 405, "description": "不支持该请求方法"}]
    r = await client.put(f"{V2}/requests.xml", content=b"")
    assert r.status_code == 405
    spec.check_xml(r.content, "errors")
