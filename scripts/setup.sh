#!/usr/bin/env bash
# Shared setup for run.sh and test.sh: a virtual environment with the pinned packages, and the
# Debian packages the app needs (a CJK font so Chinese renders in exported PNGs; for tests, chromium and
# LibreOffice Writer with poppler-utils, which open the Word report and render it to PDF and PNG).
# Usage: scripts/setup.sh [runtime|dev]
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-runtime}"
venv="${VENV:-.venv}"

apt_packages=(fonts-wqy-microhei)
[ "$mode" = dev ] && apt_packages+=(chromium libreoffice-writer-nogui poppler-utils)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    echo "installing Debian packages: ${missing[*]}"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "warning: apt-get not found; install ${missing[*]} yourself (CJK font for PNG export${mode:+, chromium and LibreOffice for tests})" >&2
  fi
fi

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
if [ "$mode" = dev ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
else
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt
fi
