"""People who use the console and the query API: accounts, their roles, and what a role may do.

Accounts are apart from source tokens: a source submits records, a person reads and (an operator)
acts. Three roles, after GB/T 39477's separation of duties (administration and audit kept apart,
no role does both):

=========  ==========================  ============================  =========================
role       reads                       acts (re-drive, release)      audit verification
=========  ==========================  ============================  =========================
operator   everything, personal data   yes                           no
auditor    everything, personal data   no                            yes (reads the results)
viewer     its region only, masked     no                            no
=========  ==========================  ============================  =========================

Accounts themselves are administered on the hub's host (``hub accounts``), by no web role.
A viewer's region is a GB/T 2260 code covering its area by its trailing zeros, as a subscriber's
regions do (:func:`hub.domain.subscribers.region_covers`). Pure values and rules: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, get_args

from hub.domain.subscribers import region_covers
from hub.errors import InputError

__all__ = [
    "DUTIES",
    "MAX_PASSWORD_CHARS",
    "MIN_PASSWORD_CHARS",
    "NAME_PATTERN",
    "REGION_PATTERN",
    "ROLES",
    "Account",
    "AccountError",
    "Principal",
    "Role",
    "check_account",
    "check_name",
    "check_password",
    "check_region",
    "check_role",
]

Role = Literal["operator", "auditor", "viewer"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)

#: What each role does. ``act``: change the hub's state (re-drive, release); ``audit``: read the
#: audit verification. No role holds both (GB/T 39477); a test keeps it so.
DUTIES: Final[dict[Role, frozenset[str]]] = {
    "operator": frozenset({"read", "personal", "act"}),
    "auditor": frozenset({"read", "personal", "audit"}),
    "viewer": frozenset({"read"}),
}
assert not any({"act", "audit"} <= duties for duties in DUTIES.values())

#: An account's name: lower case letters, digits, ``.``, ``_`` and ``-``, starting with a letter,
#: at most 40 characters (it appears in the audit trail and in log lines: nothing to escape).
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9._-]{0,39}$")
#: GB/T 2260: six digits, the first not zero.
REGION_PATTERN = re.compile(r"^[1-9][0-9]{5}$")
MIN_PASSWORD_CHARS = 12
#: Bounded before hashing: a memory-hard KDF over megabytes of "password" is a denial of service.
MAX_PASSWORD_CHARS = 1024


class AccountError(InputError):
    """An account, a name, a role, a region or a password that breaks the rules (exit 2)."""

    code = "INPUT.ACCOUNT"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is made by, once signed in: what the routes check."""

    name: str
    role: Role
    region: str | None = None  # viewers only

    def covers(self, region_code: str | None) -> bool:
        """Whether a record of ``region_code`` is in this principal's area: operators and
        auditors see every region; a viewer only its own (a record without a region is not)."""
        if self.role != "viewer":
            return True
        if not region_code or not self.region:
            return False
        return region_covers(self.region, region_code)

    @property
    def may_act(self) -> bool:
        """Re-drive, release: operators only."""
        return "act" in DUTIES[self.role]

    @property
    def sees_personal(self) -> bool:
        """Personal data (ID numbers, phones, natural persons' names) unmasked."""
        return "personal" in DUTIES[self.role]

    @property
    def may_audit(self) -> bool:
        """The audit verification's results: auditors only (the operator does not audit itself)."""
        return "audit" in DUTIES[self.role]

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "role": self.role, "region": self.region}


@dataclass(frozen=True, slots=True)
class Account:
    """A person's account as stored (its password hash and token hash are the store's)."""

    name: str
    role: Role
    region: str | None = None  # viewers only
    disabled: bool = False
    created_at: str = ""  # ISO 8601, UTC

    @property
    def principal(self) -> Principal:
        return Principal(self.name, self.role, self.region)


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise AccountError(
            f"账户名 {name[:60]!r} 不合规则（小写字母开头，仅含小写字母、数字、. _ -，"
            f"至多 40 字符） / account name {name[:60]!r} must match {NAME_PATTERN.pattern}"
        )
    return name


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise AccountError(
        f"角色 {role[:40]!r} 无效（operator、auditor、viewer）"
        f" / role {role[:40]!r} must be one of {', '.join(ROLES)}"
    )


def check_region(role: Role, region: str | None) -> str | None:
    """A viewer needs its region (six digits, GB/T 2260); the other roles see every region and
    take none (a region on an operator would look like a restriction it does not have)."""
    if role != "viewer":
        if region is not None:
            raise AccountError(
                f"只有 viewer 角色有地区，{role} 可查看全部地区"
                f" / only viewers have a region; an {role} sees every region"
            )
        return None
    if region is None:
        raise AccountError("viewer 角色须指定地区（--region） / a viewer needs --region CODE")
    if not REGION_PATTERN.match(region):
        raise AccountError(
            f"地区 {region[:20]!r} 不是六位 GB/T 2260 行政区划代码"
            f" / region {region[:20]!r} is not a six-digit GB/T 2260 code"
        )
    return region


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(
            f"密码至少 {MIN_PASSWORD_CHARS} 个字符 / a password needs at least"
            f" {MIN_PASSWORD_CHARS} characters"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise AccountError(
            f"密码至多 {MAX_PASSWORD_CHARS} 个字符 / a password has at most"
            f" {MAX_PASSWORD_CHARS} characters"
        )
    return password


def check_account(account: Account) -> Account:
    """Every rule at once (what the CLI stores goes through this)."""
    check_name(account.name)
    check_region(check_role(account.role), account.region)
    return account
