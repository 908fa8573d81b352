#!/usr/bin/env bash
# Create .venv at the repo root and install cratedig into it (idempotent, offline-safe apart from PyPI).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
VPIP=".venv/bin/pip"
"$VPIP" install -q --upgrade pip
# torch first and pinned: 2.13.0 resolves to the local CPU build.
"$VPIP" install -q "torch==2.13.0"
"$VPIP" install -q -e ".[dev]"
# tinysoundfont's only extra dependency (pyaudio) is for live playback and does not build here.
"$VPIP" install -q --no-deps "tinysoundfont>=0.3"
echo "cratedig installed in $ROOT/.venv" >&2
