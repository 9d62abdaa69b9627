#!/usr/bin/env bash
# Set everything up (idempotent) and run the whole test suite: lint, types, pytest, forge.
# Extra arguments go to pytest, e.g. `scripts/test.sh -m "not slow"`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/setup.py
echo "[test] ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "[test] mypy"; .venv/bin/mypy
echo "[test] forge"; (cd contracts && ../.venv/bin/forge test --offline)
echo "[test] pytest"; .venv/bin/pytest -n 2 "$@"
