"""Logging: events as a name plus key/values on stderr, as text or JSON lines; never tokens, and
never a raw control character (tracker text in a value is made visible or JSON-escaped)."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from roadsync.errors import scrub
from roadsync.escaping import json_text, one_line

__all__ = ["configure_logging", "event"]

_LOG = logging.getLogger("roadsync")


class _JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "event": record.getMessage(),
        }
        data.update(getattr(record, "kv", {}))
        return json_text(scrub(json.dumps(data, ensure_ascii=False, default=str)))


class _Text(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        kv = " ".join(f"{k}={v}" for k, v in getattr(record, "kv", {}).items())
        return scrub(one_line(f"{record.levelname.lower()}: {record.getMessage()} {kv}"))


def configure_logging(*, debug: bool = False, log_format: str = "text") -> None:
    """Send roadsync's events to stderr; idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonLines() if log_format == "json" else _Text())
    _LOG.handlers[:] = [handler]
    _LOG.setLevel(logging.DEBUG if debug else logging.INFO if log_format == "json" else logging.WARNING)
    _LOG.propagate = False


def event(name: str, level: int = logging.INFO, **kv: Any) -> None:
    """Log ``name`` with key/values: ``event("plan.computed", changes=12, drift=3)``."""
    _LOG.log(level, name, extra={"kv": kv})
