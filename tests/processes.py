"""Running ``hub`` as a real process in tests: a clean environment, one call, the county."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTY_ADD = (
    "sources", "add", "gz-440106", "--level", "county", "--region", "440106",
    "--department", "天河区市场监督管理局", "--types", "all",
)  # fmt: skip


def hub_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any HUB_ setting, then the data directory and extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return env | {"HUB_DATA_DIR": str(data_dir), **extra}


def run_hub(
    env: dict[str, str], *args: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=check,
    )
