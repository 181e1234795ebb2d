"""The citizen pages in a phone's browser (390×844, touch): SMS sign-in, filing with a photo
and the location (a double tap files once), then the case in my cases and its timeline."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from models.case import Case
from tests.portal.browser.conftest import shot, sign_in_by_sms
from tests.portal.helpers import PHONE


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(out, "JPEG")
    return out.getvalue()


async def test_sign_in_file_with_photo_and_location_then_my_cases(new_page: Any) -> None:
    page = await new_page()
    await page.goto("/h5/")
    await page.wait_for_url("**/h5/login**")
    await sign_in_by_sms(page, PHONE)
    await shot(page, "h5-home.png")
    await page.get_by_role("link", name="我要反映").first.tap()
    await page.get_by_text("投诉", exact=True).tap()
    await page.get_by_label("2. 属于哪个方面").select_option("ENV-NOISE")
    await page.get_by_label("3. 发生了什么").fill("小区旁边工地夜间施工噪音很大，影响休息。")
    # the first upload's connection drops: the photo offers 重试, which uploads it
    dropped: list[str] = []

    async def drop_once(route: Any) -> None:
        if dropped:
            await route.continue_()
        else:
            dropped.append(route.request.url)
            await route.abort()

    await page.route("**/h5/photos", drop_once)
    await page.locator("#photo").set_input_files(
        {"name": "noise.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}
    )
    await page.get_by_role("button", name="重试").tap()
    await page.get_by_text("已上传").wait_for()
    assert len(dropped) == 1
    await page.get_by_role("button", name="定位").tap()
    await page.get_by_text("已获取位置").wait_for()
    await page.get_by_label("5. 在哪里").fill("西湖区文三路 100 号")
    await shot(page, "h5-file.png", full=True)
    await page.get_by_role("button", name="提交").dblclick()  # a double tap
    await page.get_by_text("提交成功").wait_for()
    no = await page.locator("#filed-no").inner_text()
    assert await Case.all().count() == 1
    case = await Case.get(tracking_no=no)
    assert case.lat is not None and abs(case.lat - 30.2741) < 1e-3
    assert case.photo_ids and len(case.photo_ids) == 1
    await page.locator("a.btn", has_text="返回首页").tap()
    await page.get_by_role("link", name="我的诉求").first.tap()
    await page.get_by_text(no).first.tap()
    await page.get_by_text("办理经过").wait_for()
    assert await page.locator(".thumbs img").count() == 1
    await shot(page, "h5-case.png", full=True)


async def test_the_pages_fit_a_360_px_screen(new_page: Any) -> None:
    page = await new_page()
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.goto("/h5/login")
    await sign_in_by_sms(page, "13800138005")
    for path in ("/h5/", "/h5/file", "/h5/cases", "/h5/rewards", "/h5/kb?q=居住证"):
        await page.goto(path)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
