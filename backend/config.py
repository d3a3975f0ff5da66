"""Settings, read once by the composition root from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB = "sqlite+aiosqlite:///./var/aftercare.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB
    host: str = "127.0.0.1"
    port: int = 8080
    staff_token: str = "dev-staff-token"
    hotline_token: str = "dev-hotline-token"
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None  # set: webhook mode; unset: long polling
    telegram_webhook_secret: str | None = None
    rasa_url: str | None = None  # unset: `aftercare run` starts local Rasa; "a,b": several
    rasa_servers: int = 1  # how many local Rasa servers `aftercare run` starts (1.2 GB each)
    nlu_cache_size: int = 2048  # parses of short messages remembered (nlu/cache.py); 0: off
    rasa_token: str = "dev-rasa-token"
    calendar_file: Path | None = None
    sla_file: Path | None = None
    serious_severity: str = "serious"
    survey_delay_hours: float = 2.0
    timezone: str = "Asia/Shanghai"
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    event_loop: str = "uvloop"  # or "asyncio" (uvloop is used only where installed)
    # Transcripts, photos and hotline turns of tickets closed longer ago are purged.
    retention_days: int = 3 * 365

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def opt(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def path(name: str) -> Path | None:
            value = opt(name)
            return Path(value) if value else None

        return cls(
            database_url=opt("DATABASE_URL") or DEFAULT_DB,
            host=opt("AFTERCARE_HOST") or cls.host,
            port=int(opt("AFTERCARE_PORT") or cls.port),
            staff_token=opt("AFTERCARE_STAFF_TOKEN") or cls.staff_token,
            hotline_token=opt("AFTERCARE_HOTLINE_TOKEN") or cls.hotline_token,
            telegram_token=opt("TELEGRAM_TOKEN"),
            telegram_api_url=opt("TELEGRAM_API_URL") or cls.telegram_api_url,
            telegram_webhook_url=opt("TELEGRAM_WEBHOOK_URL"),
            telegram_webhook_secret=opt("TELEGRAM_WEBHOOK_SECRET"),
            rasa_url=opt("RASA_URL"),
            rasa_token=opt("RASA_TOKEN") or cls.rasa_token,
            rasa_servers=max(1, int(opt("AFTERCARE_RASA_SERVERS") or cls.rasa_servers)),
            nlu_cache_size=max(0, int(opt("AFTERCARE_NLU_CACHE") or cls.nlu_cache_size)),
            calendar_file=path("AFTERCARE_CALENDAR_FILE"),
            sla_file=path("AFTERCARE_SLA_FILE"),
            serious_severity=opt("AFTERCARE_SERIOUS_SEVERITY") or cls.serious_severity,
            survey_delay_hours=float(opt("AFTERCARE_SURVEY_DELAY_HOURS") or 2.0),
            timezone=opt("AFTERCARE_TIMEZONE") or cls.timezone,
            var_dir=path("AFTERCARE_VAR_DIR") or Path("var"),
            log_level=opt("AFTERCARE_LOG_LEVEL") or cls.log_level,
            event_loop=opt("AFTERCARE_EVENT_LOOP") or cls.event_loop,
            retention_days=max(1, int(opt("AFTERCARE_RETENTION_DAYS") or cls.retention_days)),
        )
