"""The roles and their rules (pure): separation of duties, a viewer's area, the name, region
and password rules with their Chinese-first errors."""

from __future__ import annotations

import pytest

from hub.domain.accounts import (
    DUTIES,
    ROLES,
    Account,
    AccountError,
    Principal,
    check_account,
    check_name,
    check_password,
    check_region,
    check_role,
)
from hub.domain.credentials import TOKEN_PREFIX, digest, new_token
from hub.errors import InputError


def test_no_role_both_acts_and_audits() -> None:
    """GB/T 39477: administration and audit apart."""
    assert set(ROLES) == set(DUTIES) == {"operator", "auditor", "viewer"}
    for role in ROLES:
        p = Principal("p", role, "330106" if role == "viewer" else None)
        assert not (p.may_act and p.may_audit), role
    op, au, vw = (
        Principal("o", "operator"),
        Principal("a", "auditor"),
        Principal("v", "viewer", "330100"),
    )
    assert (op.may_act, au.may_act, vw.may_act) == (True, False, False)
    assert (op.may_audit, au.may_audit, vw.may_audit) == (False, True, False)
    assert (op.sees_personal, au.sees_personal, vw.sees_personal) == (True, True, False)


def test_a_viewer_covers_only_its_area() -> None:
    county, city, province = (
        Principal("c", "viewer", "330106"),
        Principal("m", "viewer", "330100"),
        Principal("p", "viewer", "330000"),
    )
    assert county.covers("330106") and not county.covers("330102")
    assert not county.covers("330100") and not county.covers("330000")  # not its parents
    assert city.covers("330106") and city.covers("330100") and not city.covers("330206")
    assert province.covers("330206") and not province.covers("320106")
    assert not county.covers(None) and not county.covers("")  # no region: not its area
    assert Principal("o", "operator").covers(None) and Principal("a", "auditor").covers("110000")
    assert not Principal("broken", "viewer", None).covers("330106")  # least, never more


@pytest.mark.parametrize("name", ["", "Op", "1op", "op erator", "a" * 41, "名字", "op;drop"])
def test_bad_names_are_refused_in_chinese_first(name: str) -> None:
    with pytest.raises(AccountError) as caught:
        check_name(name)
    assert caught.value.message.startswith("账户名")
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2


def test_names_roles_and_regions() -> None:
    assert check_name("zj.op-1_a") == "zj.op-1_a"
    assert check_role("auditor") == "auditor"
    with pytest.raises(AccountError, match=r"^\[INPUT.ACCOUNT\] 角色"):
        check_role("admin")
    assert check_region("viewer", "330106") == "330106"
    assert check_region("operator", None) is None
    for role, region in (
        ("viewer", None),
        ("viewer", "33010"),
        ("viewer", "033010"),
        ("viewer", "3301x6"),
        ("operator", "330106"),
        ("auditor", "330000"),
    ):
        with pytest.raises(AccountError):
            check_region(role, region)  # type: ignore[arg-type]
    with pytest.raises(AccountError):
        check_account(Account("v", "viewer"))


def test_passwords_are_bounded() -> None:
    assert check_password("x" * 12) == "x" * 12
    with pytest.raises(AccountError, match="至少 12"):
        check_password("x" * 11)
    with pytest.raises(AccountError, match="至多 1024"):
        check_password("x" * 1025)


def test_tokens_are_random_prefixed_and_stored_as_sha256() -> None:
    a, b = new_token(), new_token()
    assert a != b and a.startswith(TOKEN_PREFIX) and len(a) > 40
    assert len(digest(a)) == 64 and digest(a) != digest(b)
