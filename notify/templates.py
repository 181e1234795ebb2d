"""The Chinese text of every message, in one place. Placeholders use str.format names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    urgent: bool = False  # may be sent during quiet hours


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in [
        Template("login_code", "您的验证码为{code}，5分钟内有效，请勿告知他人。", urgent=True),
        Template(
            "case_received",
            "您的诉求已受理，编号{tracking_no}，查询码{query_code}，可凭编号和查询码查询办理进度。",
        ),
    ]
}

SMS_MAX_CHARS = 70 * 3  # three concatenated segments


def render(name: str, params: dict[str, object]) -> str:
    return TEMPLATES[name].text.format(**params)
