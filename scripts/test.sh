#!/usr/bin/env bash
# Set up .venv (scripts/setup.sh) and run the whole test suite. Extra args go to pytest.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 PYTHONHASHSEED=0
mkdir -p artifacts
set +e
.venv/bin/python -m pytest -q -rs --durations=15 "$@"
rc=$?
set -e
# pytest exits 5 when no test ran: that is a failure of the suite, not a pass.
exit $rc
