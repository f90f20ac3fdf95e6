#!/usr/bin/env bash
# Build the offline installation bundle (离线安装包): one .tar.gz with the project, a wheelhouse of the pinned
# Python packages for the target's Python and platform, the Debian packages the runtime needs (the CJK font)
# and install.sh, which installs all of it with no network. Run on a machine WITH internet access (PyPI and
# a Debian mirror of the same release as the target); carry the archive to the target.
#
#   scripts/bundle.sh [--out DIR] [--python-version 3.11] [--arch x86_64|aarch64] [--glibc 2.36] [--no-debs]
#
# Defaults fit Debian 12 (bookworm): Python 3.11, glibc 2.36, x86_64. The wheels are chosen for the target
# with `pip download --only-binary=:all: --platform … --python-version …`, so the build machine's own Python
# does not matter; the .deb files come from this machine's apt sources, so build on the target's Debian
# release. Downloaded wheels are cached between builds ($BUNDLE_WHEEL_CACHE, default ~/.cache/xiaofei-monitor).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

out_dir="$root/dist"
py_version="3.11"
arch="x86_64"
glibc="2.36"
with_debs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out_dir="$2"; shift 2 ;;
    --python-version) py_version="$2"; shift 2 ;;
    --arch) arch="$2"; shift 2 ;;
    --glibc) glibc="$2"; shift 2 ;;
    --no-debs) with_debs=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

# The runtime's Debian packages: the CJK font for charts exported as PNG (chromium is for tests only).
# python3-venv and its wheels are carried for a Debian target whose python3 cannot make a venv yet; install.sh
# installs them only then.
runtime_debs=(fonts-wqy-microhei)
venv_debs=(python3-venv "python${py_version}-venv" python3-pip-whl python3-setuptools-whl)

python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi

version="$(git describe --always --dirty 2>/dev/null || date +%Y%m%d)"
name="xiaofei-monitor-${version}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
stage="$(mktemp -d "${TMPDIR:-/tmp}/xiaofei-bundle.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
dest="$stage/$name"
mkdir -p "$dest"

# 1. The project: every file git knows (tracked, or new and not ignored), without tests, benchmarks and a local
#    monitor.env (it holds secrets).
echo "[1/4] project files"
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard \
    | grep -z -v -E '^(tests|bench|\.ci|dist)/|^monitor\.env$' \
    | while IFS= read -r -d '' f; do [ -e "$f" ] && [ ! -L "$f" ] && printf '%s\0' "$f"; done \
    | tar -c --null -T - | tar -x -C "$dest"
else
  echo "not a git checkout: run bundle.sh from the project's repository" >&2
  exit 1
fi
cp deploy/install.sh "$dest/install.sh"
chmod +x "$dest/install.sh"

# 2. The wheelhouse, for the target's interpreter and platform (manylinux tags up to the target's glibc).
echo "[2/4] wheelhouse for Python ${py_version}, ${arch}, glibc ${glibc}"
platforms=()
minor="${glibc#2.}"
for ((y = minor; y >= 17; y--)); do platforms+=(--platform "manylinux_2_${y}_${arch}"); done
platforms+=(--platform "manylinux2014_${arch}" --platform "linux_${arch}")
[ "$arch" = x86_64 ] && platforms+=(--platform manylinux2010_x86_64 --platform manylinux1_x86_64)
abi="cp${py_version/./}"
pip_target=(--disable-pip-version-check -q --only-binary=:all: --implementation cp --python-version "$py_version"
            --abi "$abi" --abi abi3 --abi none "${platforms[@]}" -r requirements.txt)
# Wheels are kept between builds in a cache of our own (pip's HTTP cache is not kept by every mirror): first
# fetch what the cache lacks, then take exactly the resolved set from the cache alone.
wheel_cache="${BUNDLE_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xiaofei-monitor/wheels}"
mkdir -p "$wheel_cache"
"$python" -m pip download "${pip_target[@]}" -d "$wheel_cache"
"$python" -m pip download "${pip_target[@]}" --no-index --find-links "$wheel_cache" -d "$dest/wheelhouse"

# 3. The Debian packages.
mkdir -p "$dest/debs/venv"
if [ "$with_debs" = 1 ]; then
  echo "[3/4] Debian packages: ${runtime_debs[*]} (+ ${venv_debs[*]} for a python3 without venv)"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "apt-get not found: build the bundle on Debian (the target's release), or pass --no-debs" >&2
    exit 1
  fi
  download() {  # apt-get download writes into the current directory
    (cd "$1" && shift && apt-get download -q -o APT::Sandbox::User=root "$@" >/dev/null)
  }
  if ! download "$dest/debs" "${runtime_debs[@]}" 2>/dev/null; then
    echo "  apt lists look stale; running apt-get update" >&2
    apt-get update -qq
    download "$dest/debs" "${runtime_debs[@]}"
  fi
  download "$dest/debs/venv" "${venv_debs[@]}" \
    || echo "  warning: python3-venv packages not found for Python ${py_version}; the target needs python3-venv" >&2
else
  echo "[3/4] Debian packages skipped (--no-debs)"
fi

# 4. A manifest with checksums, then the archive.
echo "[4/4] archive"
{
  echo "xiaofei-monitor offline bundle ${version}"
  echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"')"
  echo "target: Python ${py_version}, ${arch}, glibc >= ${glibc}"
  echo
  (cd "$dest" && find wheelhouse debs -type f | sort | xargs sha256sum)
} > "$dest/BUNDLE.txt"
archive="$out_dir/${name}.tar.gz"
tar -C "$stage" -czf "$archive.partial" "$name"
mv "$archive.partial" "$archive"
echo "$archive ($(du -h "$archive" | cut -f1)): $(find "$dest/wheelhouse" -name '*.whl' | wc -l) wheels, $(find "$dest/debs" -name '*.deb' | wc -l) .deb files"
