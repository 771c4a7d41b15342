"""Source tokens: random, shown once, stored only as their SHA-256.

A token carries 256 bits from :mod:`secrets`, so a plain SHA-256 is enough to store it (there is
nothing to brute-force, unlike a password), and lookups are by hash: the token itself is never
compared, stored or logged.
"""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["PREFIX", "new_token", "token_hash"]

PREFIX = "hubsrc_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()
