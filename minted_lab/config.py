"""Settings: where the API is, who we are, and how long we wait. Secrets are masked in every repr."""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .errors import ConfigurationError

__all__ = ["Settings", "ENVIRONMENTS", "STAGING_URL", "detect_environment", "redact_url"]

ENVIRONMENTS = ("sandbox", "staging", "production")
STAGING_URL = "https://api.staging.mintedconnect.com"
LANGUAGES = ("tr", "en")
PAGES_IN_FLIGHT = 12
"""Order pages the async bulk reads (``all_pages``, a store's sync) fetch at once: behind 20 ms of latency,
12 reach the client's CPU bound (about 2.5 ms a page), where 8 still waited on the network (3.3 ms)."""
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: an optional ``scheme://`` and everything up to the last ``@``: where a URL's userinfo may hide
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)?.*@", re.S)
#: fields sent as (or hashed into) a header, and the variable each is read from
_HEADER_FIELDS = (("username", "MINTED_USERNAME"), ("password", "MINTED_PASSWORD"), ("client_id", "MINTED_CLIENT_ID"))
_CONTROL_HINTS = {"\r": "check for a Windows line ending", "\n": "check for a trailing newline"}


def redact_url(url: str) -> str:
    """``url`` with any userinfo (``user:pass@``) shown as ``***@``, so an error may quote the rest.

    Everything up to the last ``@`` goes, even when the URL is too broken to parse: a password may
    hold ``/``, ``?`` or ``#``.
    """
    return _USERINFO.sub(lambda m: (m["scheme"] or "") + "***@", url, count=1)


def _check_base_url(base_url: str) -> None:
    """http(s)://host[:port] with no userinfo; the URL is quoted with its userinfo masked."""
    shown = redact_url(base_url)
    parts = urlsplit(base_url)
    if not _port_readable(parts):
        raise ConfigurationError(f"base_url: the port is not a number in {shown!r}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"base_url: expected http(s)://host[:port], got {shown!r}")
    if parts.username or parts.password or "@" in parts.netloc:
        raise ConfigurationError("base_url: put credentials in username/password, not in the URL")


def _port_readable(parts: SplitResult) -> bool:
    """Whether the URL's port is absent or a number (urllib's own error would quote what stood there)."""
    try:
        _ = parts.port
    except ValueError:
        return False
    return True


def _seconds_from_env(env: Mapping[str, str], variable: str) -> float | None:
    """A number of seconds from ``env[variable]``, None when unset or empty."""
    raw = env.get(variable)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{variable}: expected seconds as a number, got {raw!r}") from None


def _check_seconds(name: str, value: Any, variable: str | None = None) -> None:
    """A positive, finite number of seconds (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value > 0 and math.isfinite(value)):
        where = f"{name} ({variable})" if variable else name
        raise ConfigurationError(f"{where}: expected positive seconds, got {value!r}")


def _control_character(value: str) -> str | None:
    """The first control character (CR, LF, NUL, tab...) in ``value``, if any."""
    return next((ch for ch in value if unicodedata.category(ch) == "Cc"), None)


def _check_header_value(name: str, variable: str, value: object) -> None:
    """Refuse a value httpx would reject mid-request, quoting the whole header in errors and logs.

    The value itself is never shown: it may be the password.
    """
    if value is None:
        return
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} ({variable}): expected a string, got {type(value).__name__}")
    ch = _control_character(value)
    if ch is not None:
        hint = _CONTROL_HINTS.get(ch, "remove it")
        raise ConfigurationError(f"{name} ({variable}): contains a control character ({repr(ch)[1:-1]}); {hint}")
    if name == "client_id" and not value.isascii():
        raise ConfigurationError(f"{name} ({variable}): expected ASCII only (it is sent as the x-client-id header)")


def detect_environment(base_url: str) -> str:
    """``sandbox`` for loopback hosts, ``staging`` when the host says so, else ``production``."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host in _LOOPBACK or host.startswith("127."):
        return "sandbox"
    if "staging" in host:
        return "staging"
    return "production"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a client needs, from arguments or ``MINTED_*`` variables (``Settings.from_env()``)."""

    base_url: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    client_id: str = "web"
    language: str = "en"
    timeout: float = 10.0
    environment: str | None = None
    #: seconds after the last attempt of a sell or buy was sent during which a lookup that finds
    #: nothing does not yet prove "not placed": the request may still be in flight behind a gateway.
    #: Comfortably above any server or gateway timeout (nginx 60 s, Cloudflare 100 s).
    settle_window: float = 300.0

    def __repr__(self) -> str:
        password = "None" if self.password is None else "'***'"
        base_url = None if self.base_url is None else redact_url(self.base_url)
        return (
            f"Settings(base_url={base_url!r}, username={self.username!r}, password={password}, "
            f"client_id={self.client_id!r}, language={self.language!r}, timeout={self.timeout!r}, "
            f"environment={self.environment!r}, settle_window={self.settle_window!r})"
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read MINTED_BASE_URL, MINTED_USERNAME, MINTED_PASSWORD, MINTED_CLIENT_ID, MINTED_LANGUAGE
        (and optionally MINTED_TIMEOUT, MINTED_ENVIRONMENT, MINTED_SETTLE_WINDOW); keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ("base_url", "username", "password", "client_id", "language", "environment"):
            raw = env.get(f"MINTED_{name.upper()}")
            if raw:
                values[name] = raw
        for name in ("timeout", "settle_window"):
            seconds = _seconds_from_env(env, f"MINTED_{name.upper()}")
            if seconds is not None:
                values[name] = seconds
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def resolved_environment(self) -> str:
        """The explicit environment, else the one the base URL implies."""
        if self.environment:
            return self.environment
        return detect_environment(self.base_url or "")

    def validated(self) -> Settings:
        """Check the settings a client needs; a ConfigurationError says what is missing and how to fix it."""
        if not self.base_url:
            raise ConfigurationError(
                "no base URL: choose the API explicitly with base_url=... or MINTED_BASE_URL "
                f"(a local sandbox: Sandbox().url; staging: {STAGING_URL})"
            )
        _check_base_url(self.base_url)
        if not self.username or self.password is None or self.password == "":
            raise ConfigurationError(
                "missing credentials: pass username= and password= (or set MINTED_USERNAME and MINTED_PASSWORD)"
            )
        if not self.client_id or not str(self.client_id).strip():
            raise ConfigurationError("client_id: expected a non-empty x-client-id (default 'web')")
        for name, variable in _HEADER_FIELDS:
            _check_header_value(name, variable, getattr(self, name))
        if self.language not in LANGUAGES:
            raise ConfigurationError(f"language: expected one of {', '.join(LANGUAGES)}, got {self.language!r}")
        _check_seconds("timeout", self.timeout)
        _check_seconds("settle_window", self.settle_window, "MINTED_SETTLE_WINDOW")
        if self.environment is not None and self.environment not in ENVIRONMENTS:
            raise ConfigurationError(
                f"environment: expected one of {', '.join(ENVIRONMENTS)}, got {self.environment!r}"
            )
        return replace(self, base_url=self.base_url.rstrip("/"), environment=self.resolved_environment)
