"""WeChat Pay v2 merchant transfer to a citizen's change (企业付款到零钱), through wechatpy.

``transfer`` posts ``mmpaymkttransfers/promotion/transfers`` with our ``partner_trade_no``;
``query`` posts ``mmpaymkttransfers/gettransferinfo``. Both are synchronous (requests) with
the configured timeout, and are called by the payout worker in a thread.
"""

from __future__ import annotations

import logging

import requests
from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay

from hotline.settings import Settings
from rewards.provider import Outcome, TransferRequest, TransferResult

log = logging.getLogger("hotline.rewards.wechat_pay")

# err_code of a transfer that certainly did not pay and will not succeed as it is
PERMANENT = frozenset(
    {
        "NO_AUTH",
        "AMOUNT_LIMIT",
        "PARAM_ERROR",
        "OPENID_ERROR",
        "NAME_MISMATCH",
        "SIGN_ERROR",
        "XML_ERROR",
        "FATAL_ERROR",
        "RECV_ACCOUNT_NOT_ALLOWED",
        "PAY_CHANNEL_NOT_ALLOWED",
        "V2_ACCOUNT_SIMPLE_BAN",
        "SENDNUM_LIMIT",
        "MONEY_LIMIT",
    }
)
# err_code of a transfer that did not pay now but may later (balance, frequency)
LATER = frozenset({"NOTENOUGH", "FREQ_LIMIT", "SEND_FAILED"})


def _error(exc: WeChatPayException) -> str:
    return f"{exc.errcode or exc.return_code}: {exc.errmsg or exc.return_msg or ''}".strip()


class WeChatPayProvider:
    name = "wechat"

    def __init__(self, settings: Settings) -> None:
        s = settings
        self.client_ip = s.wechat_pay_client_ip
        self.pay = WeChatPay(
            appid=s.wechat_pay_appid or s.wechat_mini_appid,
            api_key=s.wechat_pay_api_key,
            mch_id=s.wechat_pay_mch_id,
            mch_cert=s.wechat_pay_cert_path or None,
            mch_key=s.wechat_pay_key_path or None,
            timeout=s.wechat_pay_timeout_s,
        )
        base = s.wechat_pay_api_base
        self.pay.API_BASE_URL = base if base.endswith("/") else base + "/"

    def transfer(self, request: TransferRequest) -> TransferResult:
        try:
            data = self.pay.transfer.transfer(
                user_id=request.openid,
                amount=request.amount_fen,
                desc=request.desc,
                client_ip=self.client_ip,
                check_name="FORCE_CHECK" if request.real_name else "NO_CHECK",
                real_name=request.real_name,
                out_trade_no=request.trade_no,
            )
        except requests.RequestException as exc:  # timeout, connection: it may have paid
            return TransferResult(Outcome.unknown, error=f"{type(exc).__name__}: {exc}")
        except WeChatPayException as exc:
            code = exc.errcode or ""
            if code in PERMANENT:
                return TransferResult(Outcome.failed, error=_error(exc))
            if code in LATER:
                return TransferResult(Outcome.retry, error=_error(exc))
            return TransferResult(Outcome.unknown, error=_error(exc))  # SYSTEMERROR and others
        if not isinstance(data, dict):
            return TransferResult(Outcome.unknown, error="unreadable reply")
        return TransferResult(Outcome.paid, provider_ref=data.get("payment_no"))

    def query(self, trade_no: str) -> TransferResult:
        try:
            data = self.pay.transfer.query(trade_no)
        except requests.RequestException as exc:
            return TransferResult(Outcome.unknown, error=f"{type(exc).__name__}: {exc}")
        except WeChatPayException as exc:
            if exc.errcode == "NOT_FOUND":
                return TransferResult(Outcome.not_found, error=_error(exc))
            return TransferResult(Outcome.unknown, error=_error(exc))
        if not isinstance(data, dict):
            return TransferResult(Outcome.unknown, error="unreadable reply")
        status = data.get("status")
        ref = data.get("detail_id")
        if status == "SUCCESS":
            return TransferResult(Outcome.paid, provider_ref=ref)
        if status == "FAILED":
            return TransferResult(Outcome.failed, provider_ref=ref, error=data.get("reason"))
        return TransferResult(Outcome.processing, provider_ref=ref)
