#!/usr/bin/env bash
# Build dist/zkrv-*.whl: set up (idempotent; builds the native engine only when its inputs
# changed), then package. Extra arguments go to scripts/wheel.py (e.g. --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup.py
.venv/bin/python scripts/wheel.py "$@"
