"""Small helpers the console's templates share: Beijing time, lights with words, labels.
Masking is the API's (casework.views, identity.phones): the pages show what case_view gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from casework.views import CHANNEL_LABELS, STATUS_LABELS

BEIJING = ZoneInfo("Asia/Shanghai")

ROLE_LABELS = {
    "operator": "话务员", "dispatcher": "派单员", "handler": "承办人员",
    "supervisor": "督办人员", "reward_admin": "奖励管理员", "admin": "系统管理员",
    "kb_editor": "知识库编辑", "publisher": "公开审核员",
}
KIND_LABELS = {
    "consultation": "咨询", "help": "求助", "complaint": "投诉", "report": "举报",
    "suggestion": "建议", "praise": "表扬",
}
CHANNEL_ICONS = {
    "phone": "☎", "letter": "✉", "visit": "👤", "app": "📱", "wechat_mini": "💬",
    "wechat_oa": "💬", "kiosk": "🖥", "web": "🌐", "partner": "⇄",
}
LIGHTS = {"green": "正常", "yellow": "即将超期", "red": "已超期"}
PROCEDURE_LABELS = {
    "simple": "简易程序（7个工作日）", "normal": "普通程序（30日）", "petition": "信访程序（60日）",
    "immediate": "即时答复",
}


def bjtime(value: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant (datetime or ISO text) in Beijing time, as people read it; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:
        return value.strftime(fmt)
    return value.astimezone(BEIJING).strftime(fmt)


def light_badge(light: str | None) -> Markup:
    """The light as colour AND word (never the colour alone)."""
    if light not in LIGHTS:
        return Markup('<span class="light light-none">—</span>')
    word = LIGHTS[light]
    return Markup(f'<span class="light light-{light}">{escape(word)}</span>')


def first_line(text: str | None, limit: int = 40) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[:limit] + "…"


FILTERS = {
    "bjtime": bjtime, "light": light_badge, "first_line": first_line,
    "status": lambda v: STATUS_LABELS.get(v, v), "kind": lambda v: KIND_LABELS.get(v, v),
    "channel": lambda v: CHANNEL_LABELS.get(v, v), "role": lambda v: ROLE_LABELS.get(v, v),
    "procedure": lambda v: PROCEDURE_LABELS.get(v, v),
    "channel_icon": lambda v: CHANNEL_ICONS.get(v, "•"),
}


async def category_names() -> dict[str, str]:
    """Category code → name (casework.reference's cache)."""
    from casework import reference

    return {code: info.name for code, info in (await reference.categories()).items()}
