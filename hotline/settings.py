"""One settings object for the whole process, read from ``HOTLINE_*`` environment variables."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

log = logging.getLogger("hotline.settings")

_BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite in var_dir
    media_dir: Path | None = None
    secret_key: str = ""
    data_key: str = ""
    redis_url: str = ""
    # partner webhooks (partners/targets.py): private, loopback and link-local targets refused
    webhook_allow_private: bool = False
    # a webhook POST waits this long for the partner's answer (connect and read); a partner
    # has at most this many deliveries in flight per worker, so a slow one holds only its own
    webhook_timeout_s: float = 10.0
    webhook_concurrency: int = 4
    webhook_give_up_s: float = 86400.0  # an event not delivered within a day is dead

    # tokens
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 30 * 24 * 3600
    # the staff console (console/): a session ends after this long without a click, and at
    # the latest this long after sign-in; open pages poll every console_poll_s seconds
    console_idle_s: int = 30 * 60
    console_max_s: int = 12 * 3600
    console_poll_s: int = 15
    # the kiosk (portal/): after kiosk_idle_s without a touch it asks "还在吗？" for
    # kiosk_confirm_s seconds, then returns to the start; login codes one kiosk may send an hour
    kiosk_idle_s: int = 60
    kiosk_confirm_s: int = 10
    kiosk_sms_codes_hourly: int = 120
    # the kiosk's ID-card reader for the optional real-name step: "off", or "keyboard" (the
    # reader's vendor agent types "name<Tab>ID number<Enter>" into the focused page, HID mode)
    kiosk_id_reader: Literal["off", "keyboard"] = "off"
    kiosk_real_names_hourly: int = 60
    # the citizen pages (portal/, /h5/): a sign-in lasts h5_idle_s without a visit, at most h5_max_s
    h5_idle_s: int = 7 * 24 * 3600
    h5_max_s: int = 30 * 24 * 3600

    # login codes
    sms_code_ttl_s: int = 300
    sms_code_max_attempts: int = 5
    sms_code_per_phone_interval_s: int = 60
    sms_code_per_phone_daily: int = 10
    sms_code_per_ip_hourly: int = 30
    track_per_ip_per_minute: int = 30
    track_wrong_code_per_case_hourly: int = 10  # then the case is locked on /track
    track_lock_s: int = 3600  # during which every answer about it is the same 429

    # staff sign-in: after a few failures an increasing lockout (per username and per client IP)
    staff_login_user_failures: int = 5  # wrong passwords for one username before the first lock
    staff_login_ip_failures: int = 20  # failures from one client IP before the first lock
    staff_login_lock_s: int = 60  # the first lock; each further failure doubles it
    staff_login_lock_max_s: int = 3600
    staff_login_memory_s: int = 86400  # failures are counted over this window

    # request limits
    max_json_body_bytes: int = 64 * 1024
    upload_max_body_bytes: int = 20 * 1024 * 1024 + 64 * 1024  # a 20 MB photo plus multipart
    content_max_chars: int = 5000
    content_min_chars: int = 5

    # SMS (Aliyun)
    sms_access_key_id: str = ""
    sms_access_key_secret: str = ""
    sms_sign_name: str = ""
    sms_endpoint: str = "dysmsapi.aliyuncs.com"  # host[:port], or https://host:port
    sms_protocol: Literal["https", "http"] = "https"
    sms_region_id: str = "cn-hangzhou"
    sms_ca_bundle: str = ""  # CA file (PEM) to verify the endpoint with (default: certifi's)
    # our template name -> Aliyun template code (JSON in HOTLINE_SMS_TEMPLATE_CODES)
    sms_template_codes: dict[str, str] = Field(default_factory=dict)
    sms_out_id_prefix: str = "hl"  # OutId = prefix + outbox row id
    sms_connect_timeout_s: float = 3.0
    sms_timeout_s: float = 6.0  # read timeout of one SendSms / QuerySendDetails call
    # SMS calls in flight at once, and keep-alive connections to the endpoint (notify.aliyun_rpc)
    sms_pool_size: int = 64
    sms_throttle_delay_s: float = 60.0  # least delay after isv.BUSINESS_LIMIT_CONTROL
    sms_receipt_interval_s: float = 60.0  # QuerySendDetails polling period
    sms_receipt_delay_s: float = 30.0  # first poll this long after sending
    sms_receipt_window_s: float = 48 * 3600.0  # then stop polling (status stays "sent")

    # WeChat
    wechat_api_base: str = "https://api.weixin.qq.com/"
    wechat_mini_appid: str = ""
    wechat_mini_secret: str = ""
    wechat_oa_appid: str = ""
    wechat_oa_secret: str = ""
    wechat_oa_token: str = ""
    wechat_oa_aes_key: str = ""
    # the JS-SDK on /h5/ inside WeChat (location and photos): needs the official account and
    # this site as one of its JS接口安全域名; off by default (wechat.jssdk)
    wechat_jssdk: bool = False
    # WeChat bridge (wechat/): every API call has a timeout and runs in a dedicated thread pool
    wechat_timeout_s: float = 5.0  # a whole call, token fetch included (worker sends, logins)
    wechat_connect_timeout_s: float = 2.0
    wechat_chat_budget_s: float = 2.0  # a call made while answering an official-account message
    wechat_workers: int = 8  # threads running the synchronous wechatpy/requests calls
    wechat_token_margin_s: int = 240  # refresh an access token this long before it expires
    wechat_oauth_authorize_url: str = "https://open.weixin.qq.com/connect/oauth2/authorize"
    wechat_oauth_state_ttl_s: int = 600
    wechat_oa_category: str = "GENERAL"  # category of cases filed by chat (随手拍)
    wechat_oa_kind: str = "report"
    wechat_draft_ttl_s: int = 1800  # a chat draft expires this long after its last message
    wechat_photo_wait_s: int = 60  # how long 提交 waits for a photo still being fetched
    wechat_sec_scene: int = 3  # msg_sec_check v2 scene (1 资料 2 评论 3 论坛 4 社交日志)
    # our template name -> {"id": WeChat template id, "data": {key: "format {param}"}, "page"}
    wechat_mini_templates: dict[str, dict[str, Any]] = Field(default_factory=dict)
    wechat_oa_templates: dict[str, dict[str, Any]] = Field(default_factory=dict)
    wechat_mini_state: Literal["formal", "trial", "developer"] = "formal"

    # mail
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    mail_from: str = "hotline@localhost"
    smtp_timeout_s: float = 15.0
    smtp_ca_bundle: str = ""  # CA file to verify the SMTP server with (default: the system's)

    # quiet hours for SMS to citizens (civil time); start == end switches them off
    quiet_hours_start: str = "21:00"
    quiet_hours_end: str = "08:00"
    quiet_hours_tz: str = "Asia/Shanghai"

    # e-mail digests: 日日清 to each unit daily, 周周审 to supervisors weekly (ISO weekday 1-7)
    digest_daily_at: str = "08:30"
    digest_weekly_day: int = 1
    digest_interval_s: float = 300.0

    # photo evidence (media/); the request body limit is upload_max_body_bytes above
    photo_max_bytes: int = 20 * 1024 * 1024  # the image file itself
    photo_max_pixels: int = 50_000_000
    photo_max_side: int = 12_000
    photo_executor: Literal["thread", "process"] = "thread"
    photo_workers: int = 2  # photos decoded at once per API process
    photo_queue: int = 8  # uploads allowed to wait for a worker; beyond that 503 + Retry-After
    photo_worker_nice: int = 10  # lower CPU priority of the workers, so requests stay fast
    photo_retry_after_s: int = 5
    photo_url_ttl_s: int = 600  # lifetime of signed photo URLs
    # Open311 GET requests: rendered replies kept this long (open311/cache.py); 0: not kept
    open311_reply_cache_s: float = 1.0
    photo_unattached_ttl_s: int = 24 * 3600  # photos never attached to a case are then removed
    photo_cleanup_interval_s: float = 3600.0

    # where the photo variants are kept (media/): "" or "local" = the directory media_dir;
    # "s3://bucket" = an S3-compatible object store (MinIO, Aliyun OSS, AWS S3), see media/s3.py
    media_store: str = ""
    media_s3_endpoint_url: str = ""  # e.g. http://minio.internal:9000 (default: AWS for region)
    media_s3_region: str = "us-east-1"
    media_s3_access_key_id: str = ""
    media_s3_secret_access_key: str = ""
    media_s3_prefix: str = ""  # prepended to every object key ("photos/" -> photos/<sha256>)
    media_s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    media_s3_ca_bundle: str = ""  # CA file to verify the endpoint with (default: the system's)
    media_s3_connect_timeout_s: float = 2.0
    media_s3_timeout_s: float = 10.0  # read timeout of one call
    media_s3_max_attempts: int = 3  # tries per call (botocore "standard" retries)
    media_s3_workers: int = 16  # threads (and keep-alive connections) running the sync SDK
    # photo URLs: "stream" proxies the object through the API (clients need not reach the
    # store); "redirect" answers 302 to a presigned URL valid for media_s3_redirect_ttl_s
    media_s3_serve: Literal["stream", "redirect"] = "stream"
    media_s3_redirect_ttl_s: int = 300

    # rewards (rewards/): WeChat Pay v2 merchant transfers, thresholds and fraud signals
    wechat_pay_appid: str = ""  # default: the mini-program's appid (openids are per app)
    wechat_pay_mch_id: str = ""
    wechat_pay_api_key: str = ""
    wechat_pay_api_base: str = "https://api.mch.weixin.qq.com/"
    wechat_pay_cert_path: str = ""
    wechat_pay_key_path: str = ""
    wechat_pay_timeout_s: float = 10.0
    wechat_pay_trade_prefix: str = "HL"  # partner_trade_no = prefix + payout id
    wechat_pay_client_ip: str = "127.0.0.1"  # spbill_create_ip
    reward_four_eyes_fen: int = 50_000  # approvals above 500 yuan need a second administrator
    reward_dedupe_distance_m: float = 200.0
    reward_dedupe_window_days: int = 30
    reward_dedupe_hamming: int = 3  # at most 3 (four 16-bit bands, pigeonhole)
    reward_fraud_window_days: int = 30
    reward_fraud_claims_per_phone: int = 5  # claims from one phone or device in the window
    reward_payout_poll_s: float = 5.0
    reward_payout_max_attempts: int = 8

    # online real-name verification (identity/idv.py): off unless a provider is named
    idv_provider: Literal["", "http"] = ""
    idv_endpoint: str = ""  # https://host[:port] of the provider's API
    idv_app_id: str = ""
    idv_app_secret: str = ""
    idv_timeout_s: float = 5.0
    idv_ca_bundle: str = ""  # CA file to verify the endpoint with (default: the system's)
    idv_per_citizen_daily: int = 5  # provider checks one citizen may ask for per day

    # working hours on working days (Asia/Shanghai), for the sign deadline and the lights
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)

    # workers
    run_workers: bool = True
    sweep_interval_s: float = 60.0
    outbox_poll_s: float = 1.0
    outbox_batch_size: int = 200  # rows claimed at once
    # messages in flight per worker: enough that, sharing its event loop with intake, the worker
    # keeps up with it (64 fell behind: bench/system_bench.py)
    outbox_concurrency: int = 128
    outbox_max_attempts: int = 10  # then the row is dead, with its last error
    outbox_backoff_base_s: float = 10.0  # retry n waits base * 2^(n-1), jittered, up to max
    outbox_backoff_max_s: float = 3600.0
    outbox_lease_s: float = 120.0  # a claimed row not finished by then is recovered
    outbox_flush_s: float = 0.05  # results are written in batches at least this often
    # on shutdown (SIGTERM) the messages in flight get this long to finish and be recorded
    outbox_shutdown_grace_s: float = 10.0
    # periodic jobs run in one process at a time (hotline.leases): the lease lives in the
    # database, or in Redis with "redis"; a dead holder's jobs move on after lease_ttl_s
    lease_backend: Literal["database", "redis"] = "database"
    lease_ttl_s: float = 30.0

    # observability (hotline/logs.py, hotline/metrics.py, docs/DEPLOYMENT.md)
    log_format: Literal["", "console", "json"] = ""  # "": json in production, else console
    access_log: Literal["all", "errors", "off"] = "errors"  # JSON access lines: 5xx and slow
    metrics_token: str = ""  # GET /metrics: Bearer this token; unset, loopback clients only

    public_base_url: str = "http://127.0.0.1:8000"
    # proxies whose X-Forwarded-For is believed (IPs or CIDRs; JSON list or comma-separated).
    # Default none: the peer address is the client, whatever headers it sends.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, list):
            value = [str(v).strip() for v in value if str(v).strip()]
            for entry in value:
                ipaddress.ip_network(entry, strict=False)  # a ValueError names a bad entry
        return value

    @model_validator(mode="after")
    def _idv_complete(self) -> Settings:
        # a half-configured provider must not be silently "off"
        missing = [
            name for name in ("idv_endpoint", "idv_app_id", "idv_app_secret")
            if self.idv_provider and not getattr(self, name)
        ]
        if missing:
            names = ", ".join("HOTLINE_" + m.upper() for m in missing)
            raise ValueError(f"HOTLINE_IDV_PROVIDER is set but {names} is missing")
        return self

    @model_validator(mode="after")
    def _media_store_complete(self) -> Settings:
        # object storage is all or nothing: never silently fall back to the local directory
        store = self.media_store.strip()
        if store in ("", "local"):
            stray = [
                name for name in ("media_s3_endpoint_url", "media_s3_access_key_id",
                                  "media_s3_secret_access_key", "media_s3_prefix")
                if getattr(self, name)
            ]
            if stray:
                names = ", ".join("HOTLINE_" + m.upper() for m in stray)
                raise ValueError(f"{names} is set but HOTLINE_MEDIA_STORE is not s3://bucket")
            return self
        if not store.startswith("s3://"):
            raise ValueError("HOTLINE_MEDIA_STORE must be empty, 'local' or s3://bucket")
        if not _BUCKET_RE.fullmatch(store.removeprefix("s3://")):
            raise ValueError(
                "HOTLINE_MEDIA_STORE must be s3://bucket with a bucket name of 3-63 lowercase "
                "letters, digits, dots and hyphens (a key prefix goes in HOTLINE_MEDIA_S3_PREFIX)"
            )
        missing = [
            name for name in ("media_s3_access_key_id", "media_s3_secret_access_key")
            if not getattr(self, name)
        ]
        if missing:
            names = ", ".join("HOTLINE_" + m.upper() for m in missing)
            raise ValueError(f"HOTLINE_MEDIA_STORE is s3:// but {names} is missing")
        if self.media_s3_endpoint_url and not self.media_s3_endpoint_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError("HOTLINE_MEDIA_S3_ENDPOINT_URL must start with http:// or https://")
        if self.media_s3_workers < 1 or self.media_s3_max_attempts < 1:
            raise ValueError("HOTLINE_MEDIA_S3_WORKERS and _MAX_ATTEMPTS must be at least 1")
        return self

    @property
    def media_s3_bucket(self) -> str:
        """The bucket of ``s3://bucket``, or "" when photos stay in the local directory."""
        store = self.media_store.strip()
        return store.removeprefix("s3://") if store.startswith("s3://") else ""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.var_dir / 'hotline.sqlite3').resolve()}"

    @property
    def effective_media_dir(self) -> Path:
        return self.media_dir or (self.var_dir / "media")

    @property
    def wechat_pay_configured(self) -> bool:
        return bool(self.wechat_pay_mch_id and self.wechat_pay_api_key)

    @property
    def sms_configured(self) -> bool:
        return bool(self.sms_access_key_id and self.sms_access_key_secret)

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host)


class MissingKeys(RuntimeError):
    pass


def ensure_keys(settings: Settings) -> Settings:
    """Fill in development keys kept under ``var_dir``; production must bring its own."""
    if settings.secret_key and settings.data_key:
        return settings
    if settings.env == "production":
        raise MissingKeys(
            "HOTLINE_ENV=production requires HOTLINE_SECRET_KEY and HOTLINE_DATA_KEY to be set"
        )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    updates: dict[str, str] = {}
    for name in ("secret_key", "data_key"):
        if getattr(settings, name):
            continue
        path = settings.var_dir / f"dev-{name.replace('_', '-')}"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
            log.warning("generated a development %s in %s (not for production)", name, path)
        else:
            log.debug("using the development %s kept in %s", name, path)
        updates[name] = path.read_text().strip()
    return settings.model_copy(update=updates)


_current: Settings | None = None


def configure(settings: Settings | None = None) -> Settings:
    """Install the process-wide settings (the app factory and the CLI call this once)."""
    global _current
    _current = ensure_keys(settings or Settings())
    return _current


def current() -> Settings:
    return _current if _current is not None else configure()
