"""Versioned code lists (enumerations of the national dictionaries) shipped as data files.

Most national dictionaries are not public, so most lists are the hub's provisional stand-ins: a
bureau replaces a file and the pack fingerprint changes; no code changes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hub.errors import StandardError

__all__ = ["Code", "CodeList"]


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class CodeList:
    name: str
    version: str
    status: str
    title_zh: str
    title_en: str
    codes: dict[str, Code]

    @classmethod
    def from_file(cls, path: Path) -> CodeList:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            codes = {str(c["code"]): Code(str(c["code"]), c["zh"], c["en"]) for c in data["codes"]}
            title = data.get("title", {})
            return cls(
                name=data["name"],
                version=str(data["version"]),
                status=data.get("status", "provisional"),
                title_zh=title.get("zh", data["name"]),
                title_en=title.get("en", data["name"]),
                codes=codes,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StandardError(f"code list {path.name} is unreadable: {exc}") from exc

    def __contains__(self, code: object) -> bool:
        return code in self.codes
