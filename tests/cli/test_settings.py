"""Settings (backend/config.py): the README's variables, its defaults, and a clear word
about a variable that holds nonsense."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.config import DEFAULT_DB, Settings, SettingsError
from tests.cli.test_commands import aftercare


def test_no_variables_give_the_readme_defaults():
    s = Settings.from_env({})
    assert s == Settings()
    assert (s.database_url, s.host, s.port) == (DEFAULT_DB, "127.0.0.1", 8080)
    # no secret has a default: `aftercare run` generates them on loopback only
    assert (s.session_secret, s.rasa_token, s.rest_secret) == (None, None, None)
    assert (s.session_idle_hours, s.audit_retention_days) == (8.0, 3 * 365)
    assert s.telegram_token is None and s.telegram_webhook_url is None and s.rasa_url is None
    assert s.telegram_api_url == "https://api.telegram.org/bot"
    assert (s.rasa_servers, s.nlu_cache_size, s.event_loop) == (1, 2048, "uvloop")
    assert (s.calendar_file, s.sla_file, s.serious_severity) == (None, None, "serious")
    assert s.survey_delay_hours == 2.0 and s.var_dir == Path("var") and s.log_level == "INFO"
    assert s.retention_days == 3 * 365
    assert s.limits and (s.chat_rate, s.chat_burst, s.address_rate) == (30, 10, 600)
    assert (s.tickets_per_day, s.page_interval_minutes, s.trusted_proxies) == (5, 60, "")


def test_every_variable_reaches_its_setting():
    env = {
        "DATABASE_URL": "postgresql+asyncpg://u@h/db",
        "AFTERCARE_HOST": "0.0.0.0",
        "AFTERCARE_PORT": "9090",
        "AFTERCARE_SESSION_SECRET": "s",
        "AFTERCARE_SESSION_IDLE_HOURS": "4",
        "AFTERCARE_AUDIT_RETENTION_DAYS": "700",
        "TELEGRAM_TOKEN": "123:abc",
        "TELEGRAM_API_URL": "http://127.0.0.1:1/bot",
        "TELEGRAM_WEBHOOK_URL": "https://example.test/tg",
        "TELEGRAM_WEBHOOK_SECRET": "sec",
        "TELEGRAM_BOT_USERNAME": "aftercare_bot",
        "RASA_URL": "http://a:5005,http://b:5005",
        "RASA_TOKEN": "r",
        "AFTERCARE_RASA_SERVERS": "2",
        "AFTERCARE_NLU_CACHE": "0",
        "AFTERCARE_EVENT_LOOP": "asyncio",
        "AFTERCARE_CALENDAR_FILE": "/etc/cal.json",
        "AFTERCARE_SLA_FILE": "sla.json",
        "AFTERCARE_SERVICE_FILE": "service.toml",
        "AFTERCARE_SERIOUS_SEVERITY": "critical",
        "AFTERCARE_SURVEY_DELAY_HOURS": "1.5",
        "AFTERCARE_VAR_DIR": "/tmp/v",
        "AFTERCARE_LOG_LEVEL": "DEBUG",
        "AFTERCARE_RETENTION_DAYS": "400",
        "AFTERCARE_RASA_PORT": "6005",
        "AFTERCARE_NLU_MODEL": "nlu-0123.tar.gz",
        "AFTERCARE_METRICS_TOKEN": "m",
        "AFTERCARE_LOG_FORMAT": "json",
        "AFTERCARE_LIMITS": "off",
        "AFTERCARE_CHAT_RATE": "20",
        "AFTERCARE_CHAT_BURST": "5",
        "AFTERCARE_ADDRESS_RATE": "300",
        "AFTERCARE_ADDRESS_BURST": "50",
        "AFTERCARE_TICKETS_PER_DAY": "3",
        "AFTERCARE_HANDOFFS_PER_HOUR": "2",
        "AFTERCARE_AGENT_CALLS_PER_HOUR": "40",
        "AFTERCARE_PAGE_INTERVAL_MINUTES": "30",
        "AFTERCARE_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1",
        "AFTERCARE_REST_SECRET": "rs",
        "AFTERCARE_IDENTITY_SECRET": "is",
        "AFTERCARE_WEBCHAT_SECRET": "ws",
        "AFTERCARE_SMS_GATEWAY": "aliyun",
        "ALIYUN_SMS_ACCESS_KEY_ID": "ak",
        "ALIYUN_SMS_ACCESS_KEY_SECRET": "as",
        "ALIYUN_SMS_SIGN_NAME": "售后服务",
        "ALIYUN_SMS_TEMPLATE_CODE": "SMS_1",
        "ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:1/",
        "AFTERCARE_CODES_PER_HOUR": "4",
    }
    s = Settings.from_env(env)
    assert s.model_dump() == {
        "database_url": "postgresql+asyncpg://u@h/db",
        "host": "0.0.0.0",
        "port": 9090,
        "session_secret": "s",
        "session_idle_hours": 4.0,
        "audit_retention_days": 700,
        "telegram_token": "123:abc",
        "telegram_api_url": "http://127.0.0.1:1/bot",
        "telegram_webhook_url": "https://example.test/tg",
        "telegram_webhook_secret": "sec",
        "telegram_bot_username": "aftercare_bot",
        "rasa_url": "http://a:5005,http://b:5005",
        "rasa_token": "r",
        "rasa_servers": 2,
        "rasa_port": 6005,
        "nlu_model": "nlu-0123.tar.gz",
        "metrics_token": "m",
        "log_format": "json",
        "nlu_cache_size": 0,
        "event_loop": "asyncio",
        "calendar_file": Path("/etc/cal.json"),
        "sla_file": Path("sla.json"),
        "service_file": Path("service.toml"),
        "serious_severity": "critical",
        "survey_delay_hours": 1.5,
        "var_dir": Path("/tmp/v"),
        "log_level": "DEBUG",
        "retention_days": 400,
        "limits": False,
        "chat_rate": 20,
        "chat_burst": 5,
        "address_rate": 300,
        "address_burst": 50,
        "tickets_per_day": 3,
        "handoffs_per_hour": 2,
        "agent_calls_per_hour": 40,
        "page_interval_minutes": 30,
        "trusted_proxies": "10.0.0.0/8,127.0.0.1",
        "rest_secret": "rs",
        "identity_secret": "is",
        "webchat_secret": "ws",
        "sms_gateway": "aliyun",
        "aliyun_sms_access_key_id": "ak",
        "aliyun_sms_access_key_secret": "as",
        "aliyun_sms_sign_name": "售后服务",
        "aliyun_sms_template_code": "SMS_1",
        "aliyun_sms_endpoint": "http://127.0.0.1:1/",
        "codes_per_hour": 4,
    }


def test_the_aliyun_gateway_needs_its_keys():
    with pytest.raises(SettingsError, match="ALIYUN_SMS_ACCESS_KEY_ID"):
        Settings.from_env({"AFTERCARE_SMS_GATEWAY": "aliyun"})


def test_blank_variables_count_as_unset_and_values_are_trimmed():
    s = Settings.from_env({"RASA_URL": "  ", "TELEGRAM_TOKEN": "", "AFTERCARE_PORT": " 81 "})
    assert s.rasa_url is None and s.telegram_token is None and s.port == 81


def test_settings_built_in_code_ignore_the_environment(monkeypatch):
    monkeypatch.setenv("TELEGRAM_TOKEN", "from-the-shell")
    monkeypatch.setenv("AFTERCARE_PORT", "1234")
    assert Settings(rasa_token="t").telegram_token is None
    assert Settings(rasa_token="t").port == 8080
    assert Settings.from_env().telegram_token == "from-the-shell"


def test_copies_change_only_what_they_name():
    s = Settings(rasa_token="t")
    copy = s.model_copy(update={"rasa_url": "http://127.0.0.1:5005"})
    assert copy.rasa_url == "http://127.0.0.1:5005" and copy.rasa_token == "t"
    assert s.rasa_url is None
    with pytest.raises(ValueError):
        s.port = 1  # frozen: a running app's settings do not change under it


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AFTERCARE_PORT", "abc"),
        ("AFTERCARE_PORT", "70000"),
        ("AFTERCARE_RASA_SERVERS", "0"),
        ("AFTERCARE_NLU_CACHE", "-1"),
        ("AFTERCARE_SURVEY_DELAY_HOURS", "two"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable, value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({variable: value})
    assert variable in str(raised.value) and repr(value) in str(raised.value)


def test_the_command_says_which_variable_is_wrong(tmp_path, monkeypatch):
    monkeypatch.setenv("AFTERCARE_PORT", "abc")
    out = aftercare("db", "upgrade", database_url="sqlite+aiosqlite:///x.db", cwd=tmp_path)
    assert out.returncode != 0
    assert "AFTERCARE_PORT='abc'" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "x.db").exists()  # nothing was opened
