"""Settings: where the API is, who we are, and how long we wait. Secrets are masked in every repr."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigurationError

__all__ = ["Settings", "ENVIRONMENTS", "STAGING_URL", "detect_environment"]

ENVIRONMENTS = ("sandbox", "staging", "production")
STAGING_URL = "https://api.staging.mintedconnect.com"
LANGUAGES = ("tr", "en")
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


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
    language: str = "tr"
    timeout: float = 10.0
    environment: str | None = None

    def __repr__(self) -> str:
        password = "None" if self.password is None else "'***'"
        return (f"Settings(base_url={self.base_url!r}, username={self.username!r}, password={password}, "
                f"client_id={self.client_id!r}, language={self.language!r}, timeout={self.timeout!r}, "
                f"environment={self.environment!r})")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read MINTED_BASE_URL, MINTED_USERNAME, MINTED_PASSWORD, MINTED_CLIENT_ID, MINTED_LANGUAGE
        (and optionally MINTED_TIMEOUT, MINTED_ENVIRONMENT); keyword overrides win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in ("base_url", "username", "password", "client_id", "language", "environment"):
            raw = env.get(f"MINTED_{name.upper()}")
            if raw:
                values[name] = raw
        if env.get("MINTED_TIMEOUT"):
            try:
                values["timeout"] = float(env["MINTED_TIMEOUT"])
            except ValueError:
                raise ConfigurationError(f"MINTED_TIMEOUT: expected seconds as a number, got {env['MINTED_TIMEOUT']!r}") from None
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
                f"(a local sandbox: Sandbox().url; staging: {STAGING_URL})")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"base_url: expected http(s)://host[:port], got {self.base_url!r}")
        if parts.username or parts.password:
            raise ConfigurationError("base_url: put credentials in username/password, not in the URL")
        if not self.username or self.password is None or self.password == "":
            raise ConfigurationError("missing credentials: pass username= and password= "
                                     "(or set MINTED_USERNAME and MINTED_PASSWORD)")
        if not self.client_id or not str(self.client_id).strip():
            raise ConfigurationError("client_id: expected a non-empty x-client-id (default 'web')")
        if self.language not in LANGUAGES:
            raise ConfigurationError(f"language: expected one of {', '.join(LANGUAGES)}, got {self.language!r}")
        if isinstance(self.timeout, bool) or not isinstance(self.timeout, (int, float)) or not self.timeout > 0:
            raise ConfigurationError(f"timeout: expected positive seconds, got {self.timeout!r}")
        if self.environment is not None and self.environment not in ENVIRONMENTS:
            raise ConfigurationError(f"environment: expected one of {', '.join(ENVIRONMENTS)}, got {self.environment!r}")
        return replace(self, base_url=self.base_url.rstrip("/"), environment=self.resolved_environment)
