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
