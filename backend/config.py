"""Settings, read once by the composition root from the environment.

Each field's alias is its environment variable (the README's configuration table). Only
`Settings.from_env` reads variables: a `Settings(...)` built in code (tests, benchmarks)
is its defaults and its arguments, whatever the environment of the process holds, so a
developer's TELEGRAM_TOKEN never leaks into a test app.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_DB = "sqlite+aiosqlite:///./var/aftercare.db"


class SettingsError(ValueError):
    """A variable holds what its setting cannot be; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, validate_by_name=True, validate_by_alias=True, extra="ignore"
    )

    database_url: str = Field(DEFAULT_DB, alias="DATABASE_URL")
    host: str = Field("127.0.0.1", alias="AFTERCARE_HOST")
    port: int = Field(8080, alias="AFTERCARE_PORT", ge=0, le=65535)
    # Keys the console's session cookies are hashed under; unset on loopback: generated
    # at start (sessions then end with the process). Required off loopback (secrets.py).
    session_secret: str | None = Field(None, alias="AFTERCARE_SESSION_SECRET")
    # a console session ends after this long without use
    session_idle_hours: float = Field(8.0, alias="AFTERCARE_SESSION_IDLE_HOURS", gt=0)
    # audit log entries older than this are purged daily (the retention job)
    audit_retention_days: int = Field(3 * 365, alias="AFTERCARE_AUDIT_RETENTION_DAYS", ge=1)
    telegram_token: str | None = Field(None, alias="TELEGRAM_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org/bot", alias="TELEGRAM_API_URL")
    # set: webhook mode; unset: long polling
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: str | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    # unset: `aftercare run` starts local Rasa; "a,b": several servers
    rasa_url: str | None = Field(None, alias="RASA_URL")
    # how many local Rasa servers `aftercare run` starts (1.2 GB each)
    rasa_servers: int = Field(1, alias="AFTERCARE_RASA_SERVERS", ge=1)
    # parses of short messages remembered (nlu/cache.py); 0: off
    nlu_cache_size: int = Field(2048, alias="AFTERCARE_NLU_CACHE", ge=0)
    # unset on loopback: generated at start for the local Rasa; required off loopback
    rasa_token: str | None = Field(None, alias="RASA_TOKEN")
    # the first port of the local Rasa servers `aftercare run` starts
    rasa_port: int = Field(5005, alias="AFTERCARE_RASA_PORT", ge=1, le=65535)
    # the model file the NLU must serve (readiness); unset: the repository's current one
    nlu_model: str | None = Field(None, alias="AFTERCARE_NLU_MODEL")
    # unset: /metrics answers loopback callers only; set: a bearer token, any caller
    metrics_token: str | None = Field(None, alias="AFTERCARE_METRICS_TOKEN")
    calendar_file: Path | None = Field(None, alias="AFTERCARE_CALENDAR_FILE")
    sla_file: Path | None = Field(None, alias="AFTERCARE_SLA_FILE")
    # the price list and service wording customers see; unset: the shipped file
    service_file: Path | None = Field(None, alias="AFTERCARE_SERVICE_FILE")
    serious_severity: str = Field("serious", alias="AFTERCARE_SERIOUS_SEVERITY")
    survey_delay_hours: float = Field(2.0, alias="AFTERCARE_SURVEY_DELAY_HOURS", ge=0)
    var_dir: Path = Field(Path("var"), alias="AFTERCARE_VAR_DIR")
    log_level: str = Field("INFO", alias="AFTERCARE_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="AFTERCARE_LOG_FORMAT")
    # or "asyncio" (uvloop is used only where installed)
    event_loop: str = Field("uvloop", alias="AFTERCARE_EVENT_LOOP")
    # Transcripts, photos and hotline turns of tickets closed longer ago are purged
    # (backend/services/retention.py); 3 years.
    retention_days: int = Field(3 * 365, alias="AFTERCARE_RETENTION_DAYS", ge=1)
    # Abuse limits (backend/services/limits.py). AFTERCARE_LIMITS=off turns every one of
    # them off, for load benchmarks (bench/) only.
    limits: bool = Field(True, alias="AFTERCARE_LIMITS")
    chat_rate: int = Field(30, alias="AFTERCARE_CHAT_RATE", ge=1)  # messages a minute
    chat_burst: int = Field(10, alias="AFTERCARE_CHAT_BURST", ge=1)
    address_rate: int = Field(600, alias="AFTERCARE_ADDRESS_RATE", ge=1)  # a minute
    address_burst: int = Field(100, alias="AFTERCARE_ADDRESS_BURST", ge=1)
    tickets_per_day: int = Field(5, alias="AFTERCARE_TICKETS_PER_DAY", ge=1)
    handoffs_per_hour: int = Field(3, alias="AFTERCARE_HANDOFFS_PER_HOUR", ge=1)
    agent_calls_per_hour: int = Field(60, alias="AFTERCARE_AGENT_CALLS_PER_HOUR", ge=1)
    page_interval_minutes: int = Field(60, alias="AFTERCARE_PAGE_INTERVAL_MINUTES", ge=1)
    # Addresses (IPs or networks, comma-separated) whose X-Forwarded-For is believed.
    trusted_proxies: str = Field("", alias="AFTERCARE_TRUSTED_PROXIES")
    # Customers are who they say they are (README "Web chat, REST and verification").
    # The REST channel's per-integration secret (bearer or HMAC of the body); required
    # when the service listens beyond loopback.
    rest_secret: str | None = Field(None, alias="AFTERCARE_REST_SECRET")
    # A host site's shared secret: identifier_hash = HMAC-SHA256(user_id); unset: off.
    identity_secret: str | None = Field(None, alias="AFTERCARE_IDENTITY_SECRET")
    # Signs the web chat's session cookie; unset: a random key per process (sessions
    # end with a restart, and instances behind one proxy must share a set one).
    webchat_secret: str | None = Field(None, alias="AFTERCARE_WEBCHAT_SECRET")
    # Where verification codes are texted: "log" (development: the application log) or
    # "aliyun" (Aliyun SMS, the ALIYUN_SMS_* settings).
    sms_gateway: Literal["log", "aliyun"] = Field("log", alias="AFTERCARE_SMS_GATEWAY")
    aliyun_sms_access_key_id: str | None = Field(None, alias="ALIYUN_SMS_ACCESS_KEY_ID")
    aliyun_sms_access_key_secret: str | None = Field(None, alias="ALIYUN_SMS_ACCESS_KEY_SECRET")
    aliyun_sms_sign_name: str | None = Field(None, alias="ALIYUN_SMS_SIGN_NAME")
    aliyun_sms_template_code: str | None = Field(None, alias="ALIYUN_SMS_TEMPLATE_CODE")
    aliyun_sms_endpoint: str = Field("https://dysmsapi.aliyuncs.com/", alias="ALIYUN_SMS_ENDPOINT")
    codes_per_hour: int = Field(5, alias="AFTERCARE_CODES_PER_HOUR", ge=1)  # per phone, chat

    @model_validator(mode="after")
    def _sms_provider_complete(self) -> Settings:
        if self.sms_gateway == "aliyun":
            missing = [
                name
                for name, value in (
                    ("ALIYUN_SMS_ACCESS_KEY_ID", self.aliyun_sms_access_key_id),
                    ("ALIYUN_SMS_ACCESS_KEY_SECRET", self.aliyun_sms_access_key_secret),
                    ("ALIYUN_SMS_SIGN_NAME", self.aliyun_sms_sign_name),
                    ("ALIYUN_SMS_TEMPLATE_CODE", self.aliyun_sms_template_code),
                )
                if not value
            ]
            if missing:
                raise ValueError(f"AFTERCARE_SMS_GATEWAY=aliyun needs {', '.join(missing)}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        **_: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The arguments only: from_env hands the variables in (module docstring).
        return (init_settings,)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings the variables in `env` (default: the process environment) give;
        an empty or blank variable counts as unset. Raises SettingsError naming the
        variable whose value does not fit."""
        env = os.environ if env is None else env
        given: dict[str, Any] = {}
        for field in cls.model_fields.values():
            value = env.get(field.alias or "", "").strip()
            if value:
                given[field.alias or ""] = value
        try:
            return cls(**given)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(map(str, err['loc']))}={err['input']!r}: {err['msg']}"
                for err in e.errors()
            )
            raise SettingsError(f"bad setting in the environment: {problems}") from None


# The secrets `aftercare run` needs, each with when it is needed. Off loopback the
# service refuses to start while one of them is unset (`missing_secrets`); on loopback
# the missing ones are generated for the process (`with_generated_secrets`). Add a row
# for a new secret.
SECRETS: tuple[tuple[str, Callable[[Settings], bool]], ...] = (
    ("session_secret", lambda s: True),
    ("rasa_token", lambda s: True),
    ("telegram_webhook_secret", lambda s: bool(s.telegram_token and s.telegram_webhook_url)),
    ("rest_secret", lambda s: True),
)


def is_loopback(host: str) -> bool:
    """Whether a listening address is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name, or "0.0.0.0"-like wildcards, may reach anyone


def _alias(name: str) -> str:
    return Settings.model_fields[name].alias or name.upper()


def missing_secrets(settings: Settings) -> list[str]:
    """The environment variables of the needed secrets that are unset."""
    return [_alias(n) for n, needed in SECRETS if needed(settings) and not getattr(settings, n)]


# Left unset on loopback: the REST channel then takes local callers without a secret
# (bot/wiring.py), which a generated secret nobody knows would lock out.
NOT_GENERATED = frozenset({"rest_secret"})


def with_generated_secrets(settings: Settings) -> tuple[Settings, list[str]]:
    """The settings with every missing needed secret set to a random value for this
    process, and the variables generated (development on loopback only)."""
    names = [
        n
        for n, needed in SECRETS
        if needed(settings) and not getattr(settings, n) and n not in NOT_GENERATED
    ]
    generated = {n: secrets.token_urlsafe(32) for n in names}
    return settings.model_copy(update=generated), [_alias(n) for n in names]


def check_secrets(settings: Settings) -> tuple[Settings, list[str]]:
    """What `aftercare run` starts with: off loopback, SettingsError naming every missing
    secret at once; on loopback, the missing ones generated (and their names)."""
    if not is_loopback(settings.host):
        missing = missing_secrets(settings)
        if missing:
            raise SettingsError(
                f"refusing to listen on {settings.host} (not loopback) without these "
                f"secrets: {', '.join(missing)}; set each in the environment"
            )
        return settings, []
    return with_generated_secrets(settings)
