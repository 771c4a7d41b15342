"""Signing in to the /v1 API in tests: real accounts (``hub.api.roles``), made in the hub's store
the way ``hub accounts`` makes them, each with an account token.

:func:`make_accounts` adds an operator, an auditor and a viewer of every city and county of the
demo province; :func:`headers` is the ``Authorization`` header of one of them."""

from __future__ import annotations

from hub.backends import backend_for
from hub.domain.accounts import Account, Role
from hub.domain.credentials import digest, new_token
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.province.places import CITIES

__all__ = ["headers", "make_accounts"]

REGIONS = (
    "330000",
    *(c[0] for c in CITIES),
    *(k[0] for c in CITIES for k in c[5]),
    "440100",  # the runtime suites' city and county (hub.testing.sources)
    "440106",
)
ACCOUNTS = (
    Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00"),
    Account("au", "auditor", None, False, "2026-01-01T00:00:00+00:00"),
    *(Account(f"v{r}", "viewer", r, False, "2026-01-01T00:00:00+00:00") for r in REGIONS),
)
#: a fresh token per account and test run
TOKENS = {a.name: new_token() for a in ACCOUNTS}


def make_accounts(settings: HubSettings) -> None:
    with EmbeddedHub(settings):  # the schema (PostgreSQL migrations) before the accounts
        pass
    store = backend_for(settings).store()
    try:
        with store.transaction() as tx:
            for account in ACCOUNTS:
                tx.put_account(account)
                tx.set_account_token(account.name, digest(TOKENS[account.name]))
    finally:
        store.close()


def headers(role: Role, region: str | None = None) -> dict[str, str]:
    """The header of the test account with ``role`` (a viewer: of ``region``)."""
    name = {"operator": "op", "auditor": "au"}.get(role, f"v{region}")
    return {"Authorization": f"Bearer {TOKENS[name]}"}
