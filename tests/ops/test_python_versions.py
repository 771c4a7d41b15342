"""``ops/_env.sh`` picks the newest supported Python (3.11-3.13), honours HUB_PYTHON, refuses
an unsupported one, and on a machine with none says what to install; pyproject agrees."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _find(tmp_path: Path, *, path: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = f'source "{ROOT}/ops/_env.sh"; find_python'
    return subprocess.run(
        ["/bin/bash", "-c", script],
        env={"PATH": path, "HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def _fake(folder: Path, name: str, version: tuple[int, int]) -> None:
    """An interpreter that answers the version check as ``version`` would."""
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / name
    exe.write_text(
        f"#!{sys.executable}\nimport sys\nsys.exit(0 if (3, 11) <= {version!r} <= (3, 13) else 1)\n"
    )
    exe.chmod(0o755)


def test_the_newest_supported_python_is_chosen(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    for name, version in (("python3.11", (3, 11)), ("python3.12", (3, 12)), ("python3", (3, 10))):
        _fake(bin_dir, name, version)
    path = f"{bin_dir}:/usr/bin:/bin"
    assert _find(tmp_path, path=path).stdout.strip() == str(bin_dir / "python3.12")
    _fake(bin_dir, "python3.13", (3, 13))
    assert _find(tmp_path, path=path).stdout.strip() == str(bin_dir / "python3.13")
    # pyenv's installed versions count although its shims answer only for the active one
    pyenv = tmp_path / "pyenv" / "versions" / "3.13.9" / "bin"
    _fake(pyenv, "python3.13", (3, 13))
    only_pyenv = _find(tmp_path, path="/usr/bin:/bin", PYENV_ROOT=str(tmp_path / "pyenv"))
    assert only_pyenv.stdout.strip() == str(pyenv / "python3.13")
    chosen = _find(tmp_path, path=path, HUB_PYTHON="python3.11")
    assert chosen.stdout.strip() == str(bin_dir / "python3.11")


def test_no_supported_python_says_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _fake(bin_dir, "python3", (3, 10))
    _fake(bin_dir, "python3.14", (3, 14))
    result = _find(tmp_path, path=f"{bin_dir}:/nonexistent")
    assert result.returncode != 0 and not result.stdout
    assert "Python 3.11, 3.12 or 3.13 is required" in result.stderr
    assert "install" in result.stderr and "HUB_PYTHON" in result.stderr
    refused = _find(tmp_path, path=f"{bin_dir}:/nonexistent", HUB_PYTHON="python3.14")
    assert refused.returncode != 0 and "HUB_PYTHON=python3.14 is not Python" in refused.stderr


def test_pyproject_accepts_3_11_to_3_13() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.14"
