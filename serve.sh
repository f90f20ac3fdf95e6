#!/usr/bin/env bash
# Start the app for production: N Streamlit processes on consecutive ports sharing one database file.
#   ./serve.sh                       one process on $PORT (default 8501), all interfaces
#   ./serve.sh --workers 4           four processes on 8501-8504, on 127.0.0.1, for nginx in front
#                                    (deploy/nginx/xiaofei-monitor.conf: sticky sessions, websockets)
#   ./serve.sh --workers 2 --port 8620 --address 127.0.0.1
# Settings come from the environment, then monitor.env (see deploy/monitor.env.example). Unlike run.sh it
# installs nothing: the environment must exist (install.sh from the offline bundle, or ./run.sh once).
# The database is created or migrated once before the workers start. Each worker reads the file read-only;
# every write goes through the one locked writer, and a worker notices a file replaced by another's write.
# Stops every worker on Ctrl-C or SIGTERM, and stops all of them (exit 1) when one dies, so that a service
# manager restarts the set.
set -euo pipefail
cd "$(dirname "$0")"

workers="${WORKERS:-1}"
address="${ADDRESS:-}"
port_arg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --workers) workers="$2"; shift 2 ;;
    --port) port_arg="$2"; shift 2 ;;
    --address) address="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see ./serve.sh --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$workers" =~ ^[1-9][0-9]*$ ]]; then
  echo "--workers must be a positive whole number, got: $workers / 进程数必须是正整数" >&2
  exit 2
fi

# shellcheck source=deploy/load-env.sh
. deploy/load-env.sh
load_monitor_env monitor.env
port="${port_arg:-${PORT:-8501}}"
# Behind a proxy the workers listen on loopback only; a single process serves everyone directly.
[ -z "$address" ] && [ "$workers" -gt 1 ] && address=127.0.0.1
# Every worker signs its cookies (the XSRF token an upload carries) with one secret, so a token issued by one
# worker is still valid at another and after a restart. install.sh writes one into monitor.env.
if [ -z "${STREAMLIT_SERVER_COOKIE_SECRET:-}" ]; then
  STREAMLIT_SERVER_COOKIE_SECRET="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  export STREAMLIT_SERVER_COOKIE_SECRET
fi

venv="${VENV:-.venv}"
if [ ! -x "$venv/bin/streamlit" ]; then
  echo "no environment at $venv: run ./install.sh (offline bundle) or ./run.sh first" \
       "/ 未找到运行环境：请先运行 ./install.sh（离线安装包）或 ./run.sh" >&2
  exit 1
fi
"$venv/bin/python" -m monitor init

pids=()
stop() {
  trap - TERM INT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' TERM INT

for ((i = 0; i < workers; i++)); do
  p=$((port + i))
  args=(run app.py --server.port "$p" --server.headless true)
  [ -n "$address" ] && args+=(--server.address "$address")
  "$venv/bin/streamlit" "${args[@]}" &
  pids+=($!)
  echo "worker $((i + 1))/$workers: http://${address:-localhost}:$p (pid $!)"
done

# Wait for the first worker to exit; then stop the others and report failure.
status=0
wait -n "${pids[@]}" || status=$?
echo "a worker exited (status $status); stopping the others / 有进程退出，停止其余进程" >&2
stop
exit 1
