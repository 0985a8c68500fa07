"""The county's local time (Asia/Shanghai by default). Storage is UTC; people read local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app


def county_tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["RENKOU_SETTINGS"].county_timezone)


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(county_tz()) if value is not None else None
