# Sourced by ./bedside and ./run-tests: create or update the project's .venv, then use it.
# The stamp is keyed by pyproject.toml's hash, so a changed dependency list reinstalls once.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"
# An existing venv's Python is the one that runs: its version is read from pyvenv.cfg rather than starting
# another interpreter (a pyenv shim costs ~0.15 s of every start; docs/benchmarks.md, start-up).
VENV_VERSION="$(sed -n 's/^version *= *//p' "$VENV/pyvenv.cfg" 2>/dev/null || true)"
if [ -x "$VENV/bin/python" ] && [[ "$VENV_VERSION" =~ ^3\.([0-9]+) ]]; then
    if (( BASH_REMATCH[1] < 11 )); then
        echo "$VENV uses Python $VENV_VERSION; bedside-console needs 3.11 or newer. Remove $VENV and run again" \
             "with python3.11 installed (or PYTHON=/path/to/python3.11)." >&2
        exit 1
    fi
elif ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "bedside-console needs Python 3.11 or newer; found: $("$PY" --version 2>&1)." >&2
    echo "Install python3.11 and python3.11-venv (Debian/Ubuntu), or set PYTHON=/path/to/python3.11." >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "Creating $VENV ..." >&2
    "$PY" -m venv "$VENV" || { echo "Could not create a venv: install python3-venv (Debian/Ubuntu)." >&2; exit 1; }
fi
STAMP="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
    echo "Installing bedside-console and its dependencies into $VENV ..." >&2
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
    "$VENV/bin/python" -m pip install --quiet -e "$ROOT[test]" >&2
    rm -f "$VENV"/.installed-* && touch "$STAMP"
fi
