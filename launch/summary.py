"""What `hotline serve` prints before it starts: where to go and where things appear."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from hotline.settings import Settings
from launch.seed import DEMO_PASSWORD, STAFF


def database_label(url: str) -> str:
    """The database URL without its password or query string."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url.split("?", 1)[0].removeprefix("sqlite://")
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _where_messages_go(s: Settings) -> list[str]:
    sinks = {
        "SMS": "Aliyun SMS" if s.sms_configured else None,
        "e-mail": f"SMTP {s.smtp_host}" if s.smtp_configured else None,
    }
    console = [name for name, real in sinks.items() if real is None]
    lines = [f"{name}: {real}" for name, real in sinks.items() if real]
    if console:
        lines.append(
            f"{' and '.join(console)}: printed below by the console sink, "
            "e.g. `[console sms] to 138****8000: 您的验证码为…`"
        )
    return lines


def startup_summary(
    s: Settings, host: str, port: int, *, demo: bool, access_log: bool
) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}"
    rows: list[tuple[str, str]] = [
        ("API", f"{url}  (try it at {url}/docs)"),
        ("console", f"{url}/console/  (staff desks in the browser)"),
        ("database", f"{database_label(s.effective_database_url)}  (migrations up to date)"),
        ("media", _media_label(s)),
    ]
    rows += [("messages", line) for line in _where_messages_go(s)]
    rows.append(
        ("workers", "in this process" if s.run_workers else "off (run `hotline worker`)")
    )
    if demo:
        names = ", ".join(username for username, _, _ in STAFF)
        rows.append(("demo staff", f"{names}; password {DEMO_PASSWORD}"))
        rows.append(("demo citizen", "any mainland mobile, e.g. 13800138000, by SMS code"))
    if s.env == "development":
        rows.append(("keys", f"development keys kept in {s.var_dir} (not for production)"))
    rows.append(("requests", "logged below" if access_log else "not logged (--access-log)"))
    width = max(len(label) for label, _ in rows)
    head = f"hotline ({s.env}) on {url}"
    return "\n".join([head, *(f"  {label.ljust(width)}  {text}" for label, text in rows)])


def _media_label(s: Settings) -> str:
    if not s.media_s3_bucket:
        return str(s.effective_media_dir)
    where = s.media_s3_endpoint_url or f"AWS {s.media_s3_region}"
    return f"s3://{s.media_s3_bucket}/{s.media_s3_prefix}  ({where}, {s.media_s3_serve})"
