#!/usr/bin/env bash
# Set up (first time) and start the app on the bundled official data.
#   PORT=8501 MONITOR_DB=data/monitor.duckdb ./run.sh
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh runtime
port="${PORT:-8501}"
.venv/bin/python -m monitor init
# The synthetic demo dataset (clearly marked) makes every page show something; official data stay the default.
.venv/bin/python -m monitor demo --if-missing
echo "消费流通监测 xiaofei-monitor: open http://localhost:${port}"
exec .venv/bin/streamlit run app.py --server.port "$port" --server.headless true "$@"
