"""Running ``hub`` as a real process in tests: a clean environment, one call, the county."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    env: dict[str, str], *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def write_inspections(path: Path, inspection: dict[str, Any], n: int) -> None:
    """A JSON Lines file of ``n`` copies of ``inspection`` with distinct action numbers (large
    enough for an ingest to be interrupted part-way)."""
    line = json.dumps(inspection, ensure_ascii=False)
    marker = inspection["action_no"]
    path.write_text(
        "".join(line.replace(marker, f"JC440106202503{i:07d}") + "\n" for i in range(n)), "utf-8"
    )


def wait_until(
    condition: Callable[[], bool], timeout_s: float = 60.0, every_s: float = 0.02
) -> None:
    """Poll ``condition`` until it holds; TimeoutError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true")
        time.sleep(every_s)
