#!/usr/bin/env bash
# Set up .venv, then the main job on the embedded default aligner: render a small demo
# catalogue with the music engine, index it, run a few searches, and start the web UI.
#   NO_SERVE=1 bash scripts/quickstart.sh   # everything but the web server
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
export CRATEDIG_HOME=${CRATEDIG_HOME:-$ROOT/work-data/demo-home}
DEMO=${DEMO_AUDIO:-$ROOT/work-data/demo-audio}
CD=".venv/bin/cratedig"

echo "== rendering a demo catalogue into $DEMO (resumes if present)" >&2
$CD corpus build "$DEMO" --clips 150 --seed 7
echo "== indexing $DEMO into $CRATEDIG_HOME" >&2
$CD index "$DEMO"
for q in "punchy 808 kick" "dark evolving synth pad" "jazz piano trio, swing" \
         "fast techno loop at 130 BPM" "explosion sound effect" "acoustic guitar in D minor"; do
    echo "== cratedig search \"$q\"" >&2
    $CD search "$q" -k 5 --no-generate
done
if [ -z "${NO_SERVE:-}" ] && [ -z "${CI:-}" ]; then
    echo "== web UI on http://127.0.0.1:5000 (Ctrl-C to stop)" >&2
    exec $CD serve --host 127.0.0.1 --port 5000
fi
