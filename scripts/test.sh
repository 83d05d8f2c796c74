#!/usr/bin/env bash
# The one test command (README, CI): set up what is missing, then run the whole suite
# against the real Redis, a real Celery worker and a real LibreOffice.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
