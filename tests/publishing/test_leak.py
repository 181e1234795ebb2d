"""No personal data leaks through any public path: cases full of it are filed, published as
the reviewer's draft proposes, and every public reply (JSON, Atom, photo bytes) is scanned."""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from models.case import Case
from tests.conftest import bearer, login_staff
from tests.media import fixtures as fx
from tests.publishing.helpers import ORIGINALS, file_case, publish

CONTACT_NAME, CONTACT_PHONE = "赵铁柱", "13566667777"
SECRETS = (*ORIGINALS, CONTACT_NAME, CONTACT_PHONE, "135 6666 7777", "6222021234567890123",
           "zhaotz@example.org", "苏E88888", "330102198503120028", "1402室")
OPERATOR_CONTENT = (
    "来电人反映：邻居家装修噪音大，车牌苏E88888的渣土车堵门。来电人银行卡6222021234567890123"
    "被物业扣费，身份证330102198503120028，邮箱zhaotz@example.org，住9幢1单元1402室。"
)


async def _photo(client: Any, token: str) -> int:
    jpeg = fx.make_jpeg(640, 480, gps=(30.27412, 120.15513), taken_at=datetime(2026, 5, 6),
                        offset="+08:00", comment="王小明 13912345678".encode(),
                        xmp=b"<x:xmpmeta>13912345678</x:xmpmeta>")
    r = await client.post("/api/v1/photos", files={"file": ("p.jpg", jpeg, "image/jpeg")},
                          headers=bearer(token))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _operator_case(client: Any) -> str:
    operator = await login_staff(client, "operator")
    body = {"kind": "complaint", "category_code": "ENV-NOISE", "content": OPERATOR_CONTENT,
            "channel": "phone", "public": True,
            "citizen": {"name": CONTACT_NAME, "phone": CONTACT_PHONE},
            "location": {"lat": 30.27412, "lng": 120.15513, "region_code": "330106",
                         "address": "杭州市西湖区文三路88号"}}
    r = await client.post("/api/v1/intake/cases", json=body, headers=bearer(operator))
    assert r.status_code == 201, r.text
    no = str(r.json()["tracking_no"])
    await Case.filter(tracking_no=no).update(
        status="replied", reply_content=f"已电话告知{CONTACT_NAME}（{CONTACT_PHONE}）处理结果。")
    return no


async def _public_replies(client: Any, public_ids: list[str]) -> list[tuple[str, bytes]]:
    paths = ["/api/v1/public/cases", "/api/v1/public/cases?region_code=330100",
             "/api/v1/public/cases?category_code=ENV-NOISE&status=closed",
             "/api/v1/public/feeds/category/ENV-NOISE.atom",
             "/api/v1/public/feeds/region/330106.atom", "/api/v1/public/supervision",
             f"/api/v1/public/stats?month={datetime.now().strftime('%Y-%m')}",
             *(f"/api/v1/public/cases/{p}" for p in public_ids),
             "/open311/v2/requests.json", "/open311/v2/requests.xml",
             "/open311/v2/requests.json?service_code=ENV-NOISE&status=closed",
             *(f"/open311/v2/requests/{p}.{fmt}" for p in public_ids for fmt in ("json", "xml"))]
    out = []
    for path in paths:
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        out.append((path, r.content))
    return out


async def test_no_public_reply_carries_the_originals(client: Any, citizen_token: str):
    photo_id = await _photo(client, citizen_token)
    publisher = await login_staff(client, "publisher")
    cases = [await file_case(client, citizen_token, photo_ids=[photo_id]),
             await _operator_case(client)]
    published = [await publish(client, publisher, cases[0], photo_ids=[photo_id]),
                 await publish(client, publisher, cases[1])]
    replies = await _public_replies(client, [p["public_id"] for p in published])
    photos = {url for _, body in replies for url in _photo_urls(body)}
    assert len(photos) == 1
    for url in photos:
        r = await client.get(urlsplit(url).path)
        assert r.status_code == 200
        replies.append((url, r.content))
        image = Image.open(BytesIO(r.content))
        assert not image.getexif() and "comment" not in image.info
        assert b"Exif" not in r.content and b"xmpmeta" not in r.content
    assert any(b"\xe6\x9f\x90" in body for _, body in replies)  # 某: the names were there
    for path, body in replies:
        text = body.decode("utf-8", errors="replace")
        for secret in (*SECRETS, *cases):
            assert secret not in text, (path, secret)
            assert secret.encode() not in body, (path, secret)


def _photo_urls(body: bytes) -> list[str]:
    return re.findall(r"https?://[^\"<\s]+/photos/\d+/display", body.decode())
