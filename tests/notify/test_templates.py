"""Every template renders with realistic parameters, and every SMS fits three segments."""

from __future__ import annotations

import json

import pytest

from notify.delivery import Message
from notify.sms_aliyun import PARAM_MAX_CHARS, template_param
from notify.templates import SMS_MAX_CHARS, TEMPLATES, placeholders, render, subject

SIGN = "【浙江省12345政务服务】"  # a long sign: it counts towards the length
NO = "20261127-000123"
REASON = "所反映事项属于司法程序，请通过诉讼途径解决。"
NOTICE = "经调查，该工地已办理夜间施工许可，我局已责令其22时后停止高噪声作业，并将持续跟踪检查。"

SAMPLES: dict[str, dict[str, object]] = {
    "webhook": {"type": "case.sign", "event_id": "evt_1_3"},
    "login_code": {"code": "482913"},
    "phone_changed": {"at": "2026年12月01日18:05", "new_phone": "139****9000"},
    "case_received": {"tracking_no": NO, "query_code": "493021"},
    "case_dispatched": {"tracking_no": NO, "unit_name": "杭州市西湖区生态环境分局"},
    "case_noticed": {"tracking_no": NO, "content": NOTICE},
    "case_replied": {"tracking_no": NO, "rating_url": f"https://12345.zj.gov.cn/rate/{NO}"},
    "case_answered": {"tracking_no": NO, "rating_url": f"https://12345.zj.gov.cn/rate/{NO}"},
    "case_answered_kb": {
        "tracking_no": NO, "rating_url": f"https://12345.zj.gov.cn/rate/{NO}",
        "kb_title": "居住证申领", "kb_url": "https://12345.zj.gov.cn/kb/items/12",
    },
    "case_reopened": {"tracking_no": NO},
    "case_rejected": {"tracking_no": NO, "reason": REASON * 3},
    "case_merged": {"tracking_no": NO, "parent_no": "20261126-000042"},
    "case_follow_progress": {"tracking_no": NO, "status_label": "已转办"},
    "case_follow_replied": {"tracking_no": NO, "rating_url": f"https://12345.zj.gov.cn/rate/{NO}"},
    "reward_approved": {"tracking_no": NO, "amount": "200.00", "pay_days": 5},
    "reward_denied": {
        "tracking_no": NO,
        "reason": "经现场核查，所反映的排污口已于举报前完成整改，不符合奖励条件。",
    },
    "reward_paid": {"tracking_no": NO, "amount": "200.00"},
    "reward_pickup": {
        "tracking_no": NO, "amount": "200.00", "deadline": "2026年12月31日", "code": "K7Q2M9",
    },
    "unit_dispatched": {
        "tracking_no": NO, "category": "ENV-NOISE", "sign_due": "2026-11-27 16:00",
    },
    "unit_reopened": {"tracking_no": NO, "complete_due": "2026-12-27 23:59"},
    "unit_supervised": {"tracking_no": NO, "note": "请于本周内办结并反馈。"},
    "unit_yellow": {"tracking_no": NO, "due_label": "办结时限", "due_at": "2026-12-01 23:59"},
    "unit_red": {"tracking_no": NO, "due_label": "签收时限", "due_at": "2026-11-27 16:00"},
    "supervisor_red": {
        "unit_name": "杭州市公安局", "tracking_no": NO, "due_label": "办结时限",
        "due_at": "2026-11-27 23:59",
    },
    "supervisor_task": {"tracking_no": NO, "task_label": "核实不满意评价"},
    "unit_daily_digest": {
        "unit_name": "杭州市生态环境局", "date": "2026-11-27", "as_of": "11月27日08:30",
        "to_sign": 1, "yellow": 2, "red": 3, "details": "待签收（1件）：\n  20261127-000123",
    },
    "supervisor_weekly": {
        "unit_name": "浙江省12345政务服务中心", "week": "2026-W47", "period": "11月16日—11月22日",
        "received": 120, "replied": 98, "returned": 3, "unsatisfied": 2, "red": 4, "yellow": 7,
        "to_sign": 5, "details": "各单位红灯、黄灯情况：",
    },
}


def test_every_template_has_a_sample_covering_its_placeholders():
    assert set(SAMPLES) == set(TEMPLATES)
    for name in TEMPLATES:
        assert placeholders(name) <= set(SAMPLES[name]), name


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_renders_without_leftover_braces(name):
    text = render(name, SAMPLES[name])
    assert "{" not in text and "}" not in text
    assert all(str(SAMPLES[name][p]) in text for p in placeholders(name))
    assert subject(name, SAMPLES[name])


@pytest.mark.parametrize("name", sorted(n for n, t in TEMPLATES.items() if not t.email_only))
def test_sms_fits_three_segments_with_the_sign(name):
    msg = Message(1, name, SAMPLES[name], "", "phone", None, None, None, False, 1, "sms")
    sent = json.loads(template_param(msg))  # what Aliyun gets: long values are cut
    assert all(len(v) <= PARAM_MAX_CHARS or v.startswith("https://") for v in sent.values())
    assert len(SIGN + render(name, sent)) <= SMS_MAX_CHARS


def test_only_login_codes_and_the_phone_change_notice_are_urgent():
    # the notice to the old number is a security notice: it does not wait for the morning
    assert {n for n, t in TEMPLATES.items() if t.urgent} == {"login_code", "phone_changed"}


def test_reward_decisions_are_there():
    assert {"reward_approved", "reward_denied", "reward_paid"} <= set(TEMPLATES)
    assert "200.00元" in render("reward_paid", SAMPLES["reward_paid"])


def test_subjects_for_units_come_from_the_tag():
    assert subject("unit_red", SAMPLES["unit_red"]) == f"【红灯超期】{NO}"
    assert subject("unit_daily_digest", SAMPLES["unit_daily_digest"]) == (
        "【日日清】杭州市生态环境局 2026-11-27"
    )
