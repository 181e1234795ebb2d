"""The pages' budgets: each page with its assets ≤ 150 KB, nothing asked of another host, and
the colour pairs the stylesheets use meet WCAG AA (4.5:1 for text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.portal.helpers import ORIGIN, answered_case, h5_login, paired, proven_phone
from tests.wcag import AA_TEXT, contrast

BUDGET = 150 * 1024
STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"
ASSET = re.compile(r'(?:href|src)="(/[^"#]+)"')


async def weigh(client, html: str) -> int:
    total = len(html.encode())
    for path in sorted(set(ASSET.findall(html))):
        if path.startswith("/portal/static/"):
            r = await client.get(path.replace("&amp;", "&"))
            assert r.status_code == 200, path
            total += len(r.content)
    return total


def no_outside_host(html: str, base: str = "http://testserver") -> None:
    for url in re.findall(r'(?:href|src|action)="(https?://[^"]+)"', html):
        assert url.startswith(base), url


async def test_every_citizen_page_fits_the_budget(client) -> None:
    no, link = await answered_case(client)
    pages = {"rate": (await client.get(link.split("#")[0])).text,
             "login": (await client.get("/h5/login")).text,
             "track": (await client.get(f"/h5/track/{no}")).text}
    token = await h5_login(client, "13800138009")
    filed = await client.post("/h5/file", headers=ORIGIN, data={
        "csrf_token": token, "kind": "complaint", "category_code": "ENV-NOISE",
        "content": "工地夜间施工噪音很大"})
    pages["filed"] = filed.text
    mine = re.search(r'id="filed-no">([^<]+)<', filed.text).group(1)
    for path in ("/h5/", "/h5/file", "/h5/cases", f"/h5/cases/{mine}", "/h5/rewards",
                 "/h5/kb?q=居住证"):
        r = await client.get(path)
        assert r.status_code == 200, path
        pages[path] = r.text
    for name, html in pages.items():
        no_outside_host(html)
        assert await weigh(client, html) <= BUDGET, name


async def test_every_kiosk_page_fits_the_budget(client) -> None:
    await paired(client)
    pages = {path: (await client.get(path)).text
             for path in ("/kiosk/", "/kiosk/pair", "/kiosk/file", "/kiosk/track",
                          "/kiosk/guide?q=居住证")}
    form = {"kind": "complaint", "category_code": "ENV-NOISE", "content": "工地夜间施工噪音很大",
            "proof": await proven_phone(client), "key": "b" * 32}
    pages["receipt"] = (await client.post("/kiosk/file", data=form, headers=ORIGIN)).text
    assert "r-qr" in pages["receipt"]
    for name, html in pages.items():
        no_outside_host(html)
        size = await weigh(client, html)
        assert size <= BUDGET, (name, size)


def test_the_static_files_name_no_outside_host() -> None:
    for f in STATIC.rglob("*"):
        if f.is_file():
            assert not re.search(r"https?://", f.read_text()), f


CSS_VARS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", (STATIC / "portal.css").read_text()))
PAIRS = [  # (text, background) as the stylesheets use them
    ("ink", "#ffffff"), ("ink", "bg"), ("muted", "#ffffff"), ("muted", "bg"),
    ("muted", "blue-soft"), ("#ffffff", "blue"), ("blue", "#ffffff"), ("blue", "bg"),
    ("blue-dark", "blue-soft"), ("ink", "grey-btn"), ("ok-ink", "ok-bg"),
    ("warn-ink", "warn-bg"), ("err-ink", "err-bg"), ("#ffffff", "#155e4b"),
    ("#ffffff", "#4b3f8f"), ("#ffffff", "#1a56a8"),
    # the kiosk's ID-card reader zone: its messages on the soft blue
    ("ink", "blue-soft"), ("ok-ink", "blue-soft"), ("err-ink", "blue-soft"),
]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_wcag_aa(text: str, background: str) -> None:
    fg, bg = CSS_VARS.get(text, text), CSS_VARS.get(background, background)
    assert contrast(fg, bg) >= AA_TEXT, (text, background, round(contrast(fg, bg), 2))
