#!/usr/bin/env bash
# The lint and type gate: ruff (pyflakes, pycodestyle errors, import order) over the tree and mypy over
# monitor/ and ui/, both configured in pyproject.toml. Exits non-zero on any finding of either.
# ./test.sh runs it before the tests; run it alone with `scripts/lint.sh`.
set -uo pipefail
cd "$(dirname "$0")/.."
py=".venv/bin/python"
status=0
"$py" -m ruff check --quiet --output-format concise . || status=1
"$py" -m mypy --no-error-summary || status=1
[ "$status" -eq 0 ] && echo "lint: ruff and mypy clean"
exit "$status"
