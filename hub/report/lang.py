"""Which language human output speaks: Chinese first for Chinese users, English on request.

The choice is ``--lang`` on the command line, else ``HUB_LANG`` (the settings), else the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``): a locale starting with ``en`` gives English, anything
else (``zh_CN.UTF-8``, ``C``, unset on a server) gives Chinese, because the hub's users are
Chinese officers and a bare server locale says nothing about the reader.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

__all__ = ["LANGS", "Lang", "pick", "resolve_lang"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


def resolve_lang(option: str | None, setting: str | None, environ: Mapping[str, str]) -> Lang:
    """The language in force (pure: the caller passes the environment)."""
    for value in (option, setting):
        if value == "zh":
            return "zh"
        if value == "en":
            return "en"
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        locale = environ.get(name, "")
        if locale:
            return "en" if locale.lower().startswith("en") else "zh"
    return "zh"


def pick(lang: Lang, zh: str, en: str) -> str:
    """One message in the reader's language."""
    return zh if lang == "zh" else en
