"""One settings object for the whole process, read from ``HOTLINE_*`` environment variables."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("hotline.settings")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    var_dir: Path = Path("var")
    database_url: str = ""  # default: sqlite in var_dir
    media_dir: Path | None = None
    secret_key: str = ""
    data_key: str = ""
    redis_url: str = ""

    # tokens
    access_token_ttl_s: int = 3600
    refresh_token_ttl_s: int = 30 * 24 * 3600

    # login codes
    sms_code_ttl_s: int = 300
    sms_code_max_attempts: int = 5
    sms_code_per_phone_interval_s: int = 60
    sms_code_per_phone_daily: int = 10
    sms_code_per_ip_hourly: int = 30
    track_per_ip_per_minute: int = 30
    track_wrong_code_per_case_hourly: int = 10

    # request limits
    max_json_body_bytes: int = 64 * 1024
    upload_max_body_bytes: int = 20 * 1024 * 1024 + 64 * 1024  # a 20 MB photo plus multipart
    content_max_chars: int = 5000
    content_min_chars: int = 5

    # SMS (Aliyun)
    sms_access_key_id: str = ""
    sms_access_key_secret: str = ""
    sms_sign_name: str = ""
    sms_endpoint: str = "dysmsapi.aliyuncs.com"

    # WeChat
    wechat_api_base: str = "https://api.weixin.qq.com/"
    wechat_mini_appid: str = ""
    wechat_mini_secret: str = ""
    wechat_oa_appid: str = ""
    wechat_oa_secret: str = ""
    wechat_oa_token: str = ""
    wechat_oa_aes_key: str = ""

    # mail
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    mail_from: str = "hotline@localhost"

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
    photo_unattached_ttl_s: int = 24 * 3600  # photos never attached to a case are then removed
    photo_cleanup_interval_s: float = 3600.0

    # workers
    run_workers: bool = True
    outbox_poll_s: float = 1.0

    public_base_url: str = "http://127.0.0.1:8000"
    trusted_proxies: list[str] = Field(default_factory=list)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.var_dir / 'hotline.sqlite3').resolve()}"

    @property
    def effective_media_dir(self) -> Path:
        return self.media_dir or (self.var_dir / "media")

    @property
    def sms_configured(self) -> bool:
        return bool(self.sms_access_key_id and self.sms_access_key_secret)


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
            log.warning("using the development %s kept in %s", name, path)
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
