"""HTTP Digest authentication as a strict server does it (RFC 7616, qop=auth, MD5 or SHA-256).

Nonces and the opaque come from a secret drawn when the DigestAuthority is made, never from the seed:
two sandboxes with the same seed answer the same data but issue different nonces, so an Authorization
header captured from one is refused by the next. A header must use the one algorithm offered, return
the issued opaque, name the raw request target as its `uri` and carry a nonce count inside the
anti-replay window (see `DigestAuthority.verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from minted_lab.sandbox.catalog import REALM

USERS: dict[str, str] = {"sandbox": "sandbox-password", "viewer": "viewer-password"}
READ_ONLY: frozenset[str] = frozenset({"viewer"})
#: the Digest algorithms offered, by their RFC 7616 names, with their hashlib names
ALGORITHMS: dict[str, str] = {"MD5": "md5", "SHA-256": "sha256"}
#: how far below the highest nonce count seen a count never seen may still be accepted
REPLAY_WINDOW = 64
_PARAM = re.compile(r'\s*([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?')
_NC = re.compile(r"[0-9a-fA-F]{8}")


@dataclass
class _Nonce:
    """An issued nonce: when, the highest count seen, and the counts seen inside the window below it."""

    issued: float
    highest: int = 0
    seen: set[int] = field(default_factory=set)

    def accept(self, count: int) -> bool:
        """Take `count` if it was never seen and is at most REPLAY_WINDOW below the highest seen."""
        if count < 1 or count in self.seen or count < self.highest - REPLAY_WINDOW:
            return False
        self.seen.add(count)
        if count > self.highest:
            self.highest = count
            self.seen = {c for c in self.seen if c >= count - REPLAY_WINDOW}
        return True


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

    def __init__(
        self, algorithm: str = "SHA-256", nonce_ttl: float = 300.0, users: dict[str, str] | None = None
    ) -> None:
        if algorithm.upper() not in ALGORITHMS:
            raise ValueError("digest_algorithm must be 'MD5' or 'SHA-256'")
        self.algorithm = algorithm.upper()
        self.nonce_ttl = float(nonce_ttl)
        self.users = dict(users or USERS)
        self._secret = secrets.token_bytes(32)
        self.opaque = hmac.new(self._secret, b"opaque", hashlib.sha256).hexdigest()[:32]
        self._nonces: dict[str, _Nonce] = {}
        self._count = 0
        self._lock = threading.Lock()

    def challenge(self, stale: bool = False) -> str:
        """A fresh `WWW-Authenticate: Digest ...` value (one challenge, the configured algorithm)."""
        now = time.monotonic()
        with self._lock:
            self._count += 1
            nonce = hmac.new(self._secret, f"nonce:{self._count}".encode(), hashlib.sha256).hexdigest()[:40]
            self._nonces[nonce] = _Nonce(now)
            if len(self._nonces) > 4096 or self._count % 256 == 0:
                horizon = now - max(4 * self.nonce_ttl, 600.0)
                self._nonces = {k: v for k, v in self._nonces.items() if v.issued >= horizon}
        return (
            f'Digest realm="{REALM}", qop="auth", algorithm={self.algorithm}, nonce="{nonce}", '
            f'opaque="{self.opaque}", stale={"true" if stale else "false"}'
        )

    def verify(self, method: str, targets: str | tuple[str, ...], header: str | None) -> Verdict:
        """Check an Authorization header for `method` on the request target (path plus query as sent;
        `targets` lists the forms accepted when the server could not report the raw one).

        Refused: another algorithm than the offered one (an absent `algorithm` means MD5), a missing or
        foreign `opaque`, a `uri` other than the target, an unknown nonce, and a nonce count (`nc`) seen
        before for that nonce. Counts need not increase: concurrent requests sharing one client's Digest
        state (httpx's DigestAuth under asyncio) arrive out of order, so the rule is an anti-replay
        window, as in IPsec: a count never seen and not more than REPLAY_WINDOW (64) below the highest
        seen is accepted, anything else is a replay. An expired nonce with a correct answer gets
        `stale=True`, so the client renews it without asking for the password.
        """
        if not header or header[:7].lower() != "digest ":
            return Verdict(None)
        p = parse_params(header[7:])
        allowed = (targets,) if isinstance(targets, str) else targets
        if not self._well_formed(p, allowed):
            return Verdict(None)
        expected = self._expected(method, p)
        if not hmac.compare_digest(expected.encode(), p["response"].lower().encode("ascii", "replace")):
            return Verdict(None)
        with self._lock:
            record = self._nonces.get(p["nonce"])
            if record is None:
                return Verdict(None)
            if time.monotonic() - record.issued > self.nonce_ttl:
                return Verdict(None, stale=True)
            if not record.accept(int(p["nc"], 16)):
                return Verdict(None)
        return Verdict(p["username"])

    def _well_formed(self, p: dict[str, str], targets: tuple[str, ...]) -> bool:
        """Every parameter present and the ones the server fixed (realm, algorithm, qop, opaque) as issued."""
        return (
            p.get("username", "") in self.users
            and p.get("realm") == REALM
            and p.get("algorithm", "MD5").upper() == self.algorithm
            and p.get("qop") == "auth"
            and p.get("uri") in targets
            and hmac.compare_digest(p.get("opaque", "").encode(), self.opaque.encode())
            and bool(p.get("nonce"))
            and bool(p.get("response"))
            and bool(p.get("cnonce"))
            and _NC.fullmatch(p.get("nc", "")) is not None
        )

    def _expected(self, method: str, p: dict[str, str]) -> str:
        name = ALGORITHMS[self.algorithm]

        def digest(text: str) -> str:
            return hashlib.new(name, text.encode("utf-8", "surrogateescape")).hexdigest()

        ha1 = digest(f"{p['username']}:{REALM}:{self.users[p['username']]}")
        ha2 = digest(f"{method}:{p['uri']}")
        return digest(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:auth:{ha2}")
