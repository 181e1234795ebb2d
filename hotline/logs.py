"""Logging set-up: readable lines in development, one JSON object per line in production.

``HOTLINE_LOG_FORMAT`` chooses (``console`` or ``json``); unset, production
(``HOTLINE_ENV=production``) logs JSON and every other environment the console format. A JSON
line holds ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and ``request_id``
(the request being answered when the record was made, else null), plus the fields a record
carries in ``extra`` (the access lines of ``app_api.observe``: ``method``, ``route``,
``status``, ``duration_ms``, ``client_ip``) and ``exc_info`` for an exception.

No personal data: every line, in either format, has mainland mobile numbers and ID-card
numbers masked (138****8000) before it is written, whatever the code that logged it passed in.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
from typing import Any

import orjson

from hotline.settings import Settings

# the id of the request being answered (set by app_api.observe for the request's task)
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "hotline_request_id", default=None
)

_PHONE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# fields of a LogRecord itself: everything else a record holds came from ``extra``
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


_LONG_NUMBER = re.compile(r"\d{11}")


def mask(text: str) -> str:
    """``text`` with mobile numbers shown as 138****8000 and ID numbers as 330106********123X."""
    if len(text) < 11 or not _LONG_NUMBER.search(text):
        return text
    text = _ID_CARD.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _PHONE.sub(lambda m: (m.group(1) or "") + m.group(2) + "****" + m.group(4), text)


def log_format(settings: Settings) -> str:
    return settings.log_format or ("json" if settings.env == "production" else "console")


class MaskingFilter(logging.Filter):
    """Masks personal numbers in the message and its arguments; adds ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        if record.args:
            try:
                record.msg, record.args = record.getMessage(), None
            except Exception:  # a bad format: leave it for the handler to report
                return True
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        return True


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),  # masked by MaskingFilter
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and key[0] != "_":
                line[key] = value
        if record.exc_info:
            line["exc_info"] = mask(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exc_info"] = mask(record.exc_text)
        if record.stack_info:
            line["stack_info"] = record.stack_info
        return orjson.dumps(line, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    def formatException(self, ei: Any) -> str:  # noqa: N802 (logging's name)
        return mask(super().formatException(ei))


def setup(settings: Settings) -> str:
    """Configure the root logger for ``settings`` (idempotent); returns the format used."""
    fmt = log_format(settings)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(MaskingFilter())
    if fmt == "json":
        handler.setFormatter(JSONFormatter())
    else:
        handler.setFormatter(ConsoleFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_hotline", False)]:
        root.removeHandler(old)
    handler._hotline = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("tortoise").setLevel(logging.WARNING)  # "Tortoise-ORM shutdown" each run
    if fmt == "json":
        # what a JSON line does not show need not be gathered for every record (the logging
        # HOWTO's "Optimization"): an access line costs about half as much without it
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
        logging._srcfile = None  # no caller's file and line
        # uvicorn's own loggers go through this handler (``hotline serve`` gives uvicorn no
        # log config of its own); its access lines are replaced by app_api.observe's
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logger = logging.getLogger(name)
            logger.handlers.clear()
            logger.propagate = True
        logging.getLogger("uvicorn.access").disabled = True
    return fmt
