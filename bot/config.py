"""Settings: one frozen dataclass built from an environment mapping.

``load_settings()`` merges a ``.env`` file (if any) under the real environment, once, at
start-up. Nothing reads the environment at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
# The LINE Messaging API's root (``kotowari line``; tests point it at fakes.line_platform).
DEFAULT_LINE_API_BASE_URL = "https://api.line.me"
DEFAULT_LINE_PATH = "/line/webhook"


def default_db_path(env: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/kotowari/kotowari.db``, i.e. ``~/.local/share/kotowari/kotowari.db``."""
    data_home = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "kotowari" / "kotowari.db"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


def _positive(text: str, name: str, kind: type[int] | type[float]) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be greater than 0, not {text}")
    return value


def _port(text: str, name: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {text!r}") from None
    if not 0 < port < 65536:
        raise SettingsError(f"{name} must be between 1 and 65535, not {port}")
    return port


def _https_url(text: str | None, name: str, example: str) -> str | None:
    """An address the bot sends to or is fetched at: https://, or http:// on loopback (a fake
    platform in tests); LINE's access token and users' files never go over plain HTTP."""
    url = (text or "").strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or loopback) or parts.query:
        raise SettingsError(f"{name} must be an https:// address (e.g. {example}), not {url!r}")
    return url


def _caps(text: str | None) -> bool:
    value = (text or "on").lower()
    if value not in ("on", "off"):
        raise SettingsError(f"KOTOWARI_RATE_LIMIT_CAPS must be on or off, not {text!r}")
    return value == "on"


def _file_maker(text: str | None) -> str:
    value = (text or "process").lower()
    if value not in ("process", "thread"):
        raise SettingsError(f"KOTOWARI_FILE_MAKER must be process or thread, not {text!r}")
    return value


@dataclass(frozen=True)
class Settings:
    db_path: Path
    telegram_token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    log_level: str = "INFO"
    reminder_batch: int = 25
    reminder_period: float = 30.0
    # Litestream replica to run under (``kotowari run --replicate``), and whether this
    # process is the bot that ``kotowari run`` started under Litestream.
    replica_url: str | None = None
    replicating: bool = False
    # Long polling: how long 409 Conflicts (another process polling with the token) are
    # retried before the bot stops.
    conflict_give_up: float = 300.0
    # Telegram's rate limits in the bot (AIORateLimiter's 30 messages/s overall and 20/min per
    # group). Off only for benchmarks against a fake Bot API (KOTOWARI_RATE_LIMIT_CAPS=off).
    rate_limit_caps: bool = True
    # Where letters and charts are made: "process" (a worker process, the default) or
    # "thread" (a thread of the bot, sharing its GIL; KOTOWARI_FILE_MAKER=thread).
    file_maker: str = "process"
    # The LINE channel (``kotowari line``): the Messaging API channel's secret (signs every
    # webhook request) and long-lived access token, where its webhook listens (behind the
    # reverse proxy), and the API root.
    line_channel_secret: str | None = None
    line_access_token: str | None = None
    line_listen: str = "127.0.0.1"
    line_port: int = 8444
    line_path: str = DEFAULT_LINE_PATH
    line_api_base_url: str = DEFAULT_LINE_API_BASE_URL
    # The public HTTPS root the reverse proxy forwards to this bot (e.g.
    # https://bot.example.jp/line): letters and charts are served under it at expiring links.
    line_public_url: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        port_text = get("WEBHOOK_PORT") or "8443"
        try:
            port = int(port_text)
        except ValueError:
            raise SettingsError(f"WEBHOOK_PORT must be a number, not {port_text!r}") from None
        if not 0 < port < 65536:
            raise SettingsError(f"WEBHOOK_PORT must be between 1 and 65535, not {port}")
        batch = _positive(get("REMINDER_BATCH_SIZE") or "25", "REMINDER_BATCH_SIZE", int)
        period = _positive(get("REMINDER_PERIOD_SECONDS") or "30", "REMINDER_PERIOD_SECONDS", float)
        give_up = _positive(
            get("KOTOWARI_CONFLICT_GIVE_UP") or "300", "KOTOWARI_CONFLICT_GIVE_UP", float
        )
        return cls(
            conflict_give_up=float(give_up),
            reminder_batch=int(batch),
            reminder_period=float(period),
            db_path=Path(get("KOTOWARI_DB") or default_db_path(env)).expanduser(),
            telegram_token=get("TELEGRAM_BOT_TOKEN"),
            api_base_url=get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
            webhook_url=get("WEBHOOK_URL"),
            webhook_listen=get("WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=port,
            webhook_secret=get("WEBHOOK_SECRET"),
            log_level=(get("KOTOWARI_LOG_LEVEL") or "INFO").upper(),
            replica_url=get("KOTOWARI_REPLICA_URL"),
            replicating=get("KOTOWARI_REPLICATING") == "1",
            rate_limit_caps=_caps(get("KOTOWARI_RATE_LIMIT_CAPS")),
            file_maker=_file_maker(get("KOTOWARI_FILE_MAKER")),
            line_channel_secret=get("LINE_CHANNEL_SECRET"),
            line_access_token=get("LINE_CHANNEL_ACCESS_TOKEN"),
            line_listen=get("LINE_LISTEN") or "127.0.0.1",
            line_port=_port(get("LINE_PORT") or "8444", "LINE_PORT"),
            line_path="/" + (get("LINE_WEBHOOK_PATH") or DEFAULT_LINE_PATH).strip("/"),
            line_api_base_url=_https_url(
                get("LINE_API_BASE_URL"), "LINE_API_BASE_URL", DEFAULT_LINE_API_BASE_URL
            )
            or DEFAULT_LINE_API_BASE_URL,
            line_public_url=_https_url(
                get("LINE_PUBLIC_URL"), "LINE_PUBLIC_URL", "https://bot.example.jp/line"
            ),
        )


def load_settings(
    env_file: str | Path = ".env", environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from the process environment over the values in ``env_file``."""
    merged: dict[str, str] = (
        {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        if Path(env_file).is_file()
        else {}
    )
    merged.update(os.environ if environ is None else environ)
    return Settings.from_env(merged)
