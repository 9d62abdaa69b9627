#!/usr/bin/env bash
# Set everything up (idempotent) and run zkrv's main job end to end: the furthest pipeline
# stage that exists (build and execute an example guest, prove, wrap, verify on a local chain).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup.py
exec .venv/bin/python scripts/main_job.py "$@"
