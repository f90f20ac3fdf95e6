#!/usr/bin/env bash
# The command line (python -m monitor …) with the settings of monitor.env, as the app itself runs:
#   ./monitor.sh backup /var/lib/xiaofei-monitor/backups/
#   ./monitor.sh import 2026年10月社零.xlsx
# Under systemd run it as the service's user: sudo -u xiaofei ./monitor.sh …
set -euo pipefail
cd -P "$(dirname "$0")"
# shellcheck source=deploy/load-env.sh
. deploy/load-env.sh
load_monitor_env monitor.env
exec "${VENV:-.venv}/bin/python" -m monitor "$@"
