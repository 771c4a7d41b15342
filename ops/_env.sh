# Shared by ops/ scripts: find Python 3.11 and make the project's virtual environment.
# Sourced, not run. Sets HUB_PY (the venv's python) and puts .venv/bin first on PATH.
set -euo pipefail
HUB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      command -v "$candidate"; return 0
    fi
  done
  echo "ops: Python 3.11 is required (python3.11 or python3 on PATH)" >&2
  return 1
}
ensure_venv() {  # $1: pip extras, e.g. "dev" or ""
  local extras=${1:-}
  if [ ! -x "$HUB_ROOT/.venv/bin/python" ]; then
    "$(find_python)" -m venv "$HUB_ROOT/.venv"
    "$HUB_ROOT/.venv/bin/python" -m pip install --quiet --upgrade pip
  fi
  local target="$HUB_ROOT"
  [ -n "$extras" ] && target="$HUB_ROOT[$extras]"
  "$HUB_ROOT/.venv/bin/python" -m pip install --quiet --editable "$target"
  export PATH="$HUB_ROOT/.venv/bin:$PATH"
  HUB_PY="$HUB_ROOT/.venv/bin/python"
}
