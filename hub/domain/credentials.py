"""People's credentials: passwords through Argon2id, account tokens and session ids as SHA-256.

- A password is chosen by a person and may be guessed, so it is stored only as an Argon2id hash
  (argon2-cffi, RFC 9106's parameters: memory-hard, salted, its parameters inside the PHC string
  so they can be raised later without invalidating older hashes).
- An account token and a session id carry 256 random bits from :mod:`secrets`: nothing to
  brute-force, so a plain SHA-256 stores them, as source tokens are (:mod:`hub.api.tokens`), and
  lookups are by that hash: the secret itself is never compared, stored or logged.

Account tokens start ``hubacc_``, source tokens ``hubsrc_``: a source's token pasted where a
person signs in finds no account (it is looked up among accounts only).
"""

from __future__ import annotations

import hashlib
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "TOKEN_PREFIX",
    "digest",
    "hash_password",
    "new_session_id",
    "new_token",
    "verify_password",
]

TOKEN_PREFIX = "hubacc_"  # noqa: S105 - a prefix, not a secret

_HASHER = PasswordHasher()  # RFC 9106 low-memory profile: t=3, m=64 MiB, p=4


@cache
def _dummy() -> str:
    """Verified against when the name is unknown, so a wrong name costs what a wrong password
    does (the time of a reply does not tell which names exist)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (constant time in the password: Argon2 is
    compared whole). ``stored`` None (no password set, or no such account): False, after the
    same work."""
    try:
        if stored is None:
            _HASHER.verify(_dummy(), password)
            return False
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """SHA-256 of a token, a session id or a stored password hash, hex."""
    return hashlib.sha256(secret.encode("utf-8", errors="surrogatepass")).hexdigest()
