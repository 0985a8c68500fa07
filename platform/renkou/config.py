"""Every setting, read from the environment once, typed, with documented defaults.

All variables are prefixed ``RENKOU_``; the README lists them. ``Settings.from_env`` is the only place
that reads ``os.environ``; the rest of the code receives a ``Settings`` object.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path


class ConfigError(ValueError):
    """A setting is missing or malformed."""


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def _int(value: str | None, default: int, name: str) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from exc


def _intervals(value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    """Comma-separated seconds, e.g. "30,120,600"; an empty value keeps the default."""
    if value is None or value.strip() == "":
        return default
    try:
        return tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError as exc:
        raise ConfigError(f"RENKOU_BUREAU_RETRY_INTERVALS must be seconds separated by commas, got {value!r}") from exc


@dataclasses.dataclass(frozen=True)
class Settings:
    # Storage. No RENKOU_DATABASE_URL means the embedded default: SQLite files under data_dir.
    database_url: str | None = None
    data_dir: Path = Path("var")
    # Redis for queues, rate limits and readiness. None means the embedded default (see renkou.redisconn).
    redis_url: str | None = None
    # Prefix of every Redis key of this installation (rate limits, queues), so that installations
    # (or test runs) can share one Redis.
    redis_prefix: str = "renkou"
    secret_key: str | None = None
    # Wraps every town's data key (base64 of 32 bytes). Losing it loses every town's sensitive fields.
    master_key: str | None = None
    # The county this installation serves: 6-digit statistical area code and its name.
    county_code: str = "411524"
    county_name: str = "商城县"
    county_timezone: str = "Asia/Shanghai"
    idle_timeout_minutes: int = 30
    # Secure (HTTPS-only) cookies. Off only for the loopback demo and tests, which serve plain HTTP.
    secure_cookies: bool = True
    login_rate_limit: str = "20 per minute"
    api_rate_limit: str = "600 per minute"
    # Parallel processes for `renkou db upgrade` across towns.
    migrate_workers: int = 4
    default_locale: str = "zh_CN"
    # Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto are trusted.
    trusted_proxies: int = 0
    # Largest scanned document (a signed responsibility agreement: PDF, PNG or JPEG) a town may upload.
    scan_max_bytes: int = 10 * 1024 * 1024
    # The family-planning statistical year starts on the 1st of this month (1 Oct – 30 Sep by default).
    stat_year_start_month: int = 10
    # Seconds a town's change waits before its figures are recomputed, so a burst of edits (an import,
    # a form saved twice) costs one recomputation. 0 recomputes at once.
    aggregation_delay_seconds: int = 3
    # Below this many births in a period a sex ratio at birth swings on one birth: it is shown, but not
    # judged against its normal range nor flagged as implausible.
    srb_min_births: int = 20
    # The higher bureau: where submissions go, the secret both sides sign with, and the county's org unit
    # there. No URL means the demo/test stand-in bureau on loopback is expected to be configured instead.
    bureau_url: str | None = None
    bureau_secret: str | None = None
    bureau_org_unit: str | None = None
    # What a submission is sent as ("json": DHIS2 dataValueSets, "adx": ADX XML), how long one POST may
    # take, and the waits (seconds) between retries after a network error or a 5xx answer.
    bureau_format: str = "json"
    bureau_timeout_seconds: int = 30
    bureau_retry_intervals: tuple[int, ...] = (30, 120, 600, 1800, 3600)
    # Messages from the bureau (targets, 协查 requests, 通报 notices): a bureau that pushes POSTs them to
    # /api/v1/bureau/messages; one that does not is polled (GET) at bureau_messages_url, every 15 minutes
    # when bureau_pull is on (the "bureau_pull" schedule). Replies to its notices go to bureau_replies_url.
    bureau_messages_url: str | None = None
    bureau_replies_url: str | None = None
    bureau_pull: bool = False
    testing: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls(
            database_url=env.get("RENKOU_DATABASE_URL") or None,
            data_dir=Path(env.get("RENKOU_DATA_DIR") or "var"),
            redis_url=env.get("RENKOU_REDIS_URL") or None,
            redis_prefix=env.get("RENKOU_REDIS_PREFIX") or cls.redis_prefix,
            secret_key=env.get("RENKOU_SECRET_KEY") or None,
            master_key=env.get("RENKOU_MASTER_KEY") or None,
            county_code=env.get("RENKOU_COUNTY_CODE") or cls.county_code,
            county_name=env.get("RENKOU_COUNTY_NAME") or cls.county_name,
            county_timezone=env.get("RENKOU_COUNTY_TIMEZONE") or cls.county_timezone,
            idle_timeout_minutes=_int(
                env.get("RENKOU_IDLE_TIMEOUT_MINUTES"), cls.idle_timeout_minutes, "RENKOU_IDLE_TIMEOUT_MINUTES"
            ),
            secure_cookies=_flag(env.get("RENKOU_SECURE_COOKIES"), cls.secure_cookies),
            login_rate_limit=env.get("RENKOU_LOGIN_RATE_LIMIT") or cls.login_rate_limit,
            api_rate_limit=env.get("RENKOU_API_RATE_LIMIT") or cls.api_rate_limit,
            migrate_workers=_int(env.get("RENKOU_MIGRATE_WORKERS"), cls.migrate_workers, "RENKOU_MIGRATE_WORKERS"),
            default_locale=env.get("RENKOU_DEFAULT_LOCALE") or cls.default_locale,
            trusted_proxies=_int(env.get("RENKOU_TRUSTED_PROXIES"), cls.trusted_proxies, "RENKOU_TRUSTED_PROXIES"),
            scan_max_bytes=_int(env.get("RENKOU_SCAN_MAX_BYTES"), cls.scan_max_bytes, "RENKOU_SCAN_MAX_BYTES"),
            stat_year_start_month=_int(env.get("RENKOU_STAT_YEAR_START_MONTH"), cls.stat_year_start_month,
                                       "RENKOU_STAT_YEAR_START_MONTH"),
            aggregation_delay_seconds=_int(env.get("RENKOU_AGGREGATION_DELAY_SECONDS"),
                                           cls.aggregation_delay_seconds, "RENKOU_AGGREGATION_DELAY_SECONDS"),
            srb_min_births=_int(env.get("RENKOU_SRB_MIN_BIRTHS"), cls.srb_min_births, "RENKOU_SRB_MIN_BIRTHS"),
            bureau_url=env.get("RENKOU_BUREAU_URL") or None,
            bureau_secret=env.get("RENKOU_BUREAU_SECRET") or None,
            bureau_org_unit=env.get("RENKOU_BUREAU_ORG_UNIT") or None,
            bureau_format=(env.get("RENKOU_BUREAU_FORMAT") or cls.bureau_format).lower(),
            bureau_timeout_seconds=_int(env.get("RENKOU_BUREAU_TIMEOUT_SECONDS"), cls.bureau_timeout_seconds,
                                        "RENKOU_BUREAU_TIMEOUT_SECONDS"),
            bureau_retry_intervals=_intervals(env.get("RENKOU_BUREAU_RETRY_INTERVALS"), cls.bureau_retry_intervals),
            bureau_messages_url=env.get("RENKOU_BUREAU_MESSAGES_URL") or None,
            bureau_replies_url=env.get("RENKOU_BUREAU_REPLIES_URL") or None,
            bureau_pull=_flag(env.get("RENKOU_BUREAU_PULL"), cls.bureau_pull),
        )
        settings.validate()
        return settings

    def replace(self, **changes) -> Settings:
        updated = dataclasses.replace(self, **changes)
        updated.validate()
        return updated

    def validate(self) -> None:
        if not re.fullmatch(r"\d{6}", self.county_code):
            raise ConfigError("RENKOU_COUNTY_CODE must be the county's 6-digit statistical area code")
        if self.database_url and not self.database_url.startswith(("postgresql", "sqlite")):
            raise ConfigError("RENKOU_DATABASE_URL must be a postgresql+psycopg:// or sqlite:/// URL")
        if self.idle_timeout_minutes < 1:
            raise ConfigError("RENKOU_IDLE_TIMEOUT_MINUTES must be at least 1")
        if self.migrate_workers < 1:
            raise ConfigError("RENKOU_MIGRATE_WORKERS must be at least 1")
        if not 1 <= self.stat_year_start_month <= 12:
            raise ConfigError("RENKOU_STAT_YEAR_START_MONTH must be a month number, 1 to 12")
        if not 0 <= self.aggregation_delay_seconds <= 3600:
            raise ConfigError("RENKOU_AGGREGATION_DELAY_SECONDS must be between 0 and 3600")
        if not 1 <= self.srb_min_births <= 10000:
            raise ConfigError("RENKOU_SRB_MIN_BIRTHS must be between 1 and 10000")
        if self.bureau_format not in ("json", "adx"):
            raise ConfigError("RENKOU_BUREAU_FORMAT must be json or adx")
        if not 1 <= self.bureau_timeout_seconds <= 600:
            raise ConfigError("RENKOU_BUREAU_TIMEOUT_SECONDS must be between 1 and 600")
        if len(self.bureau_retry_intervals) > 20 or any(not 0 <= wait <= 86400 for wait in self.bureau_retry_intervals):
            raise ConfigError("RENKOU_BUREAU_RETRY_INTERVALS: at most 20 waits of 0 to 86400 seconds")
        if not 1 <= self.scan_max_bytes <= 64 * 1024 * 1024:
            raise ConfigError("RENKOU_SCAN_MAX_BYTES must be between 1 and 67108864 (the request size limit)")

    @property
    def is_postgres(self) -> bool:
        return bool(self.database_url and self.database_url.startswith("postgresql"))

    @property
    def sqlite_dir(self) -> Path:
        """Folder holding shared.db and towns/ in the embedded mode."""
        if self.database_url and self.database_url.startswith("sqlite:///"):
            return Path(self.database_url.removeprefix("sqlite:///")).parent
        return self.data_dir

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept in the data folder (embedded mode)."""
        return self.secret_key or self._generated("secret_key", lambda: secrets.token_urlsafe(48))

    def resolved_master_key(self) -> str:
        """The configured master key, or one generated once into the data folder (embedded mode)."""
        return self.master_key or self._generated(
            "master_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
        )

    def _generated(self, name: str, make) -> str:
        path = self.data_dir / name
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        value = make()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value
