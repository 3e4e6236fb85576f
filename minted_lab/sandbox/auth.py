"""HTTP Digest authentication (RFC 7616, qop=auth, MD5 or SHA-256) with expiring nonces and replay refusal."""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
import time
from dataclasses import dataclass, field

from minted_lab.sandbox.catalog import REALM

USERS: dict[str, str] = {"sandbox": "sandbox-password", "viewer": "viewer-password"}
READ_ONLY: frozenset[str] = frozenset({"viewer"})
ALGORITHMS = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256, "MD5-SESS": hashlib.md5, "SHA-256-SESS": hashlib.sha256}
_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')


@dataclass
class _Nonce:
    issued: float
    seen: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one Authorization header."""

    user: str | None
    stale: bool = False


def parse_params(value: str) -> dict[str, str]:
    """The key=value pairs of a Digest header (quotes removed, escapes undone)."""
    out: dict[str, str] = {}
    for match in _PARAM.finditer(value):
        key, raw = match.group(1).lower(), match.group(2)
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        out[key] = raw
    return out


class DigestAuthority:
    """Issues challenges and verifies Digest responses for the built-in users."""

    def __init__(self, seed: int, algorithm: str = "SHA-256", nonce_ttl: float = 300.0,
                 users: dict[str, str] | None = None) -> None:
        if algorithm.upper() not in ("MD5", "SHA-256"):
            raise ValueError("digest_algorithm must be 'MD5' or 'SHA-256'")
        self.algorithm = "MD5" if algorithm.upper() == "MD5" else "SHA-256"
        self.nonce_ttl = float(nonce_ttl)
        self.users = dict(users or USERS)
        self._secret = hashlib.sha256(f"minted-sandbox-nonce:{seed}".encode()).hexdigest()
        self.opaque = hashlib.sha256(f"minted-sandbox-opaque:{seed}".encode()).hexdigest()[:32]
        self._nonces: dict[str, _Nonce] = {}
        self._count = 0
        self._lock = threading.Lock()

    def challenge(self, stale: bool = False) -> str:
        """A fresh `WWW-Authenticate: Digest ...` value (one challenge, the configured algorithm)."""
        now = time.monotonic()
        with self._lock:
            self._count += 1
            nonce = hashlib.sha256(f"{self._secret}:{self._count}".encode()).hexdigest()[:40]
            self._nonces[nonce] = _Nonce(now)
            if len(self._nonces) > 4096 or self._count % 256 == 0:
                horizon = now - max(4 * self.nonce_ttl, 600.0)
                self._nonces = {k: v for k, v in self._nonces.items() if v.issued >= horizon}
        return (f'Digest realm="{REALM}", qop="auth", algorithm={self.algorithm}, nonce="{nonce}", '
                f'opaque="{self.opaque}", stale={"true" if stale else "false"}')

    def verify(self, method: str, target: str, header: str | None) -> Verdict:
        """Check an Authorization header for `method` on `target` (path plus query)."""
        if not header or not header[:7].lower() == "digest ":
            return Verdict(None)
        p = parse_params(header[7:])
        username, nonce, response = p.get("username", ""), p.get("nonce", ""), p.get("response", "")
        algorithm = p.get("algorithm", "MD5").upper()
        if (username not in self.users or p.get("realm") != REALM or algorithm not in ALGORITHMS
                or p.get("qop") != "auth" or p.get("uri") != target or "opaque" in p and p["opaque"] != self.opaque
                or not re.fullmatch(r"[0-9a-fA-F]{8}", p.get("nc", "")) or not p.get("cnonce")):
            return Verdict(None)
        expected = self._expected(method, username, algorithm, p)
        if not hmac.compare_digest(expected.encode(), response.lower().encode("ascii", "replace")):
            return Verdict(None)
        count = int(p["nc"], 16)
        with self._lock:
            record = self._nonces.get(nonce)
            if record is None:
                return Verdict(None)
            if time.monotonic() - record.issued > self.nonce_ttl:
                return Verdict(None, stale=True)
            if count in record.seen:
                return Verdict(None)
            record.seen.add(count)
        return Verdict(username)

    def _expected(self, method: str, username: str, algorithm: str, p: dict[str, str]) -> str:
        h = ALGORITHMS[algorithm]

        def digest(text: str) -> str:
            return h(text.encode("utf-8", "surrogateescape")).hexdigest()

        ha1 = digest(f"{username}:{REALM}:{self.users[username]}")
        if algorithm.endswith("-SESS"):
            ha1 = digest(f"{ha1}:{p['nonce']}:{p['cnonce']}")
        ha2 = digest(f"{method}:{p['uri']}")
        return digest(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:auth:{ha2}")
