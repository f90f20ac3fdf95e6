#!/usr/bin/env bash
# Install xiaofei-monitor from the offline bundle (离线安装), with no network at all:
#   1. the Debian packages in debs/ that are not installed yet (dpkg -i; needs root),
#   2. a virtual environment with the pinned packages from wheelhouse/ (pip --no-index),
#   3. monitor.env (settings) if there is none, and the database: a backup of an existing one first, then
#      `python -m monitor init` (creates it, or runs the migrations of a newer version).
# Run it inside the unpacked bundle; it installs in place:
#   tar xzf xiaofei-monitor-<version>.tar.gz && cd xiaofei-monitor-<version> && sudo ./install.sh
# Then start the app with ./serve.sh (see docs/deploy.zh-CN.md).
# Environment: PYTHON (default python3), VENV (default .venv), MONITOR_DB (default: monitor.env's, else
# data/monitor.duckdb; written into a new monitor.env), SKIP_DEBS=1 to leave Debian packages alone (e.g. no root; the font then has to be
# installed another way).
set -euo pipefail
cd -P "$(dirname "$0")"
here="$(pwd)"
python="${PYTHON:-python3}"
venv="${VENV:-.venv}"
say() { printf '%s\n' "$*"; }

# --- 1. Debian packages -------------------------------------------------------------------------------
install_debs() {  # the .deb files given whose package is not installed yet
  local todo=() deb pkg
  for deb in "$@"; do
    [ -f "$deb" ] || continue
    pkg="$(dpkg-deb -f "$deb" Package)"
    if dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      say "  $pkg: already installed / 已安装"
    else
      todo+=("$deb")
    fi
  done
  [ ${#todo[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo dpkg -i "${todo[@]}"; else
      say "需要 root 权限安装：${todo[*]} / root is needed to install: ${todo[*]}" >&2; return 1
    fi
  else
    dpkg -i "${todo[@]}"
  fi
}

say "[1/3] Debian packages / Debian 软件包"
if [ "${SKIP_DEBS:-0}" = 1 ]; then
  say "  skipped (SKIP_DEBS=1) / 已跳过"
elif command -v dpkg >/dev/null 2>&1; then
  install_debs debs/*.deb
else
  say "  dpkg not found: install a CJK font (e.g. WenQuanYi Micro Hei) yourself; it is needed only for PNG" \
      "export of charts / 未找到 dpkg：请自行安装中文字体（仅用于导出图表 PNG）" >&2
fi

# --- 2. Python environment -----------------------------------------------------------------------------
say "[2/3] Python packages from wheelhouse/ (no network) / 从 wheelhouse/ 安装 Python 包（不联网）"
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    # Debian's python3 makes venvs only with python3-venv, carried in debs/venv/.
    rm -rf "$venv"
    say "  $python cannot create a venv; installing python3-venv from debs/venv/ / 安装 python3-venv"
    install_debs debs/venv/*.deb
    "$python" -m venv "$venv"
  fi
fi
"$venv/bin/python" -m pip install --no-index --find-links "$here/wheelhouse" --disable-pip-version-check -q \
  -r requirements.txt

# --- 3. Settings and database ----------------------------------------------------------------------------
say "[3/3] settings and database / 配置与数据库"
if [ ! -f monitor.env ]; then
  cp deploy/monitor.env.example monitor.env
  echo "STREAMLIT_SERVER_COOKIE_SECRET=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')" \
    >> monitor.env
  # A database location given for the installation is remembered for serve.sh and the systemd units.
  [ -n "${MONITOR_DB:-}" ] && echo "MONITOR_DB=$MONITOR_DB" >> monitor.env
  chmod 600 monitor.env
  say "  monitor.env created from deploy/monitor.env.example / 已生成 monitor.env"
fi
# Settings from monitor.env, unless already set in the environment (serve.sh and monitor.sh read them the same way).
# shellcheck source=deploy/load-env.sh
. deploy/load-env.sh
load_monitor_env monitor.env
db="$("$venv/bin/python" -c 'from monitor.config import db_path; print(db_path())')"
if [ -f "$db" ]; then
  # An upgrade: keep the database as it was before the new version's migrations run.
  mkdir -p "$(dirname "$db")/backups"
  "$venv/bin/python" -m monitor backup "$(dirname "$db")/backups"
fi
"$venv/bin/python" -m monitor init
say ""
say "完成 / done. 数据库 / database: $db"
say "启动 / start:  ./serve.sh            (one process, port \${PORT:-8501})"
say "               ./serve.sh --workers 4 (four processes behind nginx: deploy/nginx/)"
