"""The Chinese text of every message, in one place. Placeholders use str.format names.

``required`` marks the messages that go out whatever the citizen chose in ``PATCH /me``
(``notify.routing.allowed``): a login code, the notice to the old number after a phone change
(a security notice), and what a reward depends on — the pickup code a citizen must show at the
service hall before it expires, and the notice that money was paid (a finance record the
citizen is entitled to). Everything else about a case can be read in the app and on
``/track``, so a citizen may switch its SMS or WeChat channel off.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    urgent: bool = False  # may be sent to a citizen during quiet hours
    required: bool = False  # sent even on a channel the citizen turned off (see above)
    email_only: bool = False  # long e-mail bodies (digests), never sent as an SMS
    subject: str = ""  # e-mail subject (str.format over the same parameters)


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in [
        # a partner's webhook (partners.events): the JSON body is a parameter; the text is
        # only what logs and the console show
        Template("webhook", "合作系统事件 {type}（{event_id}）"),
        # to citizens
        Template(
            "login_code", "您的验证码为{code}，5分钟内有效，请勿告知他人。", urgent=True,
            required=True,
        ),
        # to the old number after POST /me/phone: a security notice, at any hour
        Template(
            "phone_changed",
            "您的12345账号已于{at}改绑至新手机号{new_phone}，此号码不再接收该账号的消息。"
            "如非本人操作，请立即致电12345。",
            urgent=True,
            required=True,
        ),
        Template(
            "case_received",
            "您的诉求已受理，编号{tracking_no}，查询码{query_code}，可凭编号和查询码查询办理进度。",
        ),
        Template(
            "case_dispatched",
            "您的诉求{tracking_no}已转交{unit_name}办理。",
        ),
        Template(
            "case_noticed",
            "您的诉求{tracking_no}办理单位告知：{content}",
        ),
        Template(
            "case_replied",
            "您的诉求{tracking_no}已办理答复，请查看并评价：{rating_url}",
        ),
        Template(
            "case_answered",
            "您的诉求{tracking_no}已答复，请查看并评价：{rating_url}",
        ),
        # an answer citing a knowledge item (POST /staff/cases/{no}/answer with kb_item_id)
        Template(
            "case_answered_kb",
            "您的诉求{tracking_no}已答复，详见《{kb_title}》：{kb_url} 请查看并评价：{rating_url}",
        ),
        Template(
            "case_reopened",
            "您的诉求{tracking_no}经核实将重新办理，请耐心等待。",
        ),
        Template(
            "case_rejected",
            "您的诉求{tracking_no}不予受理，原因：{reason}",
        ),
        Template(
            "case_merged",
            "您的诉求{tracking_no}与{parent_no}为同一事项，将合并办理并一并答复。",
        ),
        # to citizens who follow a case someone else filed ("me too"): no personal data
        Template(
            "case_follow_progress",
            "您关注的诉求{tracking_no}有新进展：{status_label}。",
        ),
        Template(
            "case_follow_replied",
            "您关注的诉求{tracking_no}已答复，可查看并评价：{rating_url}",
        ),
        # reward decisions (五水共治 and other rewarded reports)
        Template(
            "reward_approved",
            "您反映的问题{tracking_no}经核实符合奖励条件，奖励{amount}元，将于{pay_days}个工作日内发放。",
        ),
        Template(
            "reward_denied",
            "您反映的问题{tracking_no}经审核不符合奖励条件，原因：{reason}",
        ),
        Template(
            "reward_paid",
            "您反映的问题{tracking_no}的奖励{amount}元已发放，请注意查收。",
            required=True,
        ),
        Template(
            "reward_pickup",
            "您反映的问题{tracking_no}经核实获奖励{amount}元，请于{deadline}前凭领取码{code}"
            "和本人身份证到政务服务大厅领取，逾期视为放弃。",
            required=True,
        ),
        # to units and supervisors
        Template(
            "unit_dispatched",
            "【待签收】诉求{tracking_no}（{category}）已派至贵单位，请于{sign_due}前签收。",
        ),
        Template(
            "unit_reopened",
            "【重办】诉求{tracking_no}经回访核实需重新办理，请于{complete_due}前办结。",
        ),
        Template(
            "unit_supervised",
            "【督办】诉求{tracking_no}：{note}",
        ),
        Template(
            "unit_yellow",
            "【黄灯预警】诉求{tracking_no}的{due_label}将于{due_at}到期，请抓紧办理。",
        ),
        Template(
            "unit_red",
            "【红灯超期】诉求{tracking_no}的{due_label}已于{due_at}超期。",
        ),
        Template(
            "supervisor_red",
            "【超期】{unit_name}的诉求{tracking_no}的{due_label}已于{due_at}超期。",
        ),
        Template(
            "supervisor_task",
            "【待处理】诉求{tracking_no}需要{task_label}。",
        ),
        # e-mail digests (notify.digests renders the case lists into {details})
        Template(
            "unit_daily_digest",
            "{unit_name}：截至{as_of}，待签收{to_sign}件，黄灯预警{yellow}件，红灯超期{red}件。"
            "\n\n{details}\n\n请登录12345工作平台及时处理，做到日日清。",
            email_only=True,
            subject="【日日清】{unit_name} {date}",
        ),
        Template(
            "supervisor_weekly",
            "{unit_name}及下辖单位{week}（{period}）：受理{received}件，答复{replied}件，"
            "退回{returned}件，不满意评价{unsatisfied}件；当前红灯超期{red}件，黄灯预警{yellow}件，"
            "待签收{to_sign}件。\n\n{details}",
            email_only=True,
            subject="【周周审】{unit_name} {week}",
        ),
    ]
}

SMS_MAX_CHARS = 70 * 3  # three concatenated segments

DUE_LABELS = {
    "dispatch": "分派时限",
    "sign": "签收时限",
    "transfer": "转办时限",
    "notice": "告知时限",
    "complete": "办结时限",
}


def render(name: str, params: dict[str, object]) -> str:
    return TEMPLATES[name].text.format(**params)


def placeholders(name: str) -> set[str]:
    """The parameter names a template uses."""
    return {field for _, field, _, _ in Formatter().parse(TEMPLATES[name].text) if field}


def subject(name: str, params: dict[str, object]) -> str:
    """An e-mail subject: the template's own, else its 【…】 tag, else a generic one."""
    tpl = TEMPLATES[name]
    if tpl.subject:
        return tpl.subject.format(**params)
    text = render(name, params)
    if text.startswith("【") and "】" in text:
        tag = text[: text.index("】") + 1]
        return f"{tag}{params.get('tracking_no', '')}".strip()
    return "12345平台通知"
