#!/usr/bin/env bash
# Set up (first time), run the lint and type gate (scripts/lint.sh: ruff + mypy, any finding fails),
# then the whole test suite, the browser test included. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh dev
scripts/lint.sh
exec .venv/bin/python -m pytest -q "$@"
