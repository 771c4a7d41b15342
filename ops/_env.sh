# Shared by ops/ scripts: find a supported Python (3.11, 3.12 or 3.13) and make the project's
# virtual environment. Sourced, not run. Sets HUB_PY (the venv's python) and puts the venv's bin
# first on PATH.
#   HUB_PYTHON  the interpreter to use (a name on PATH or a path); default: the newest supported
#   HUB_VENV    where the venv lives (default .venv); CI keeps a second one for the oldest Python
set -euo pipefail
HUB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HUB_SUPPORTED="3.11 3.12 3.13"
_supported() {  # $1: an interpreter; true when its version is one the hub supports
  "$1" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 13) else 1)' \
    >/dev/null 2>&1
}
find_python() {  # $@: the minor versions to look for, preferred first (default: 13 12 11)
  local minors=${*:-13 12 11}
  if [ -n "${HUB_PYTHON:-}" ]; then
    if command -v "$HUB_PYTHON" >/dev/null 2>&1 && _supported "$HUB_PYTHON"; then
      command -v "$HUB_PYTHON"; return 0
    fi
    echo "ops: HUB_PYTHON=$HUB_PYTHON is not Python $HUB_SUPPORTED" >&2
    return 1
  fi
  # on PATH, newest first; then pyenv's installed versions (its shims answer only for the
  # versions pyenv has activated)
  local root=${PYENV_ROOT:-$HOME/.pyenv} minor candidate
  for minor in $minors; do
    for candidate in "python3.$minor" "$root"/versions/3."$minor".*/bin/python3."$minor"; do
      if command -v "$candidate" >/dev/null 2>&1 && _supported "$candidate"; then
        command -v "$candidate"; return 0
      fi
    done
  done
  if [ -z "$*" ] && command -v python3 >/dev/null 2>&1 && _supported python3; then
    command -v python3; return 0
  fi
  [ -n "$*" ] && echo "ops: Python 3.${minors// /, 3.} was not found on PATH or in pyenv" >&2
  [ -n "$*" ] && return 1
  echo "ops: Python 3.11, 3.12 or 3.13 is required and none was found on PATH." >&2
  echo "ops: install one, e.g. 'apt-get install python3.12 python3.12-venv' (Debian/Ubuntu)," >&2
  echo "ops: 'pyenv install 3.13', or from https://www.python.org/downloads/;" >&2
  echo "ops: or point HUB_PYTHON at one." >&2
  return 1
}
ensure_venv() {  # $1: pip extras, e.g. "dev" or ""
  local extras=${1:-}
  local venv="${HUB_VENV:-$HUB_ROOT/.venv}"
  case "$venv" in /*) ;; *) venv="$HUB_ROOT/$venv" ;; esac
  if [ ! -x "$venv/bin/python" ]; then
    local python
    python=$(find_python) || return 1
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
  fi
  local target="$HUB_ROOT"
  [ -n "$extras" ] && target="$HUB_ROOT[$extras]"
  "$venv/bin/python" -m pip install --quiet --editable "$target"
  export PATH="$venv/bin:$PATH"
  HUB_PY="$venv/bin/python"
}
