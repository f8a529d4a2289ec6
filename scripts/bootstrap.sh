#!/usr/bin/env bash
# Set up everything `make run` and `make test` need on a fresh Debian/Ubuntu machine, and nothing twice:
#   1. PostgreSQL 15 + PostGIS 3 from Debian's packages (needs root or sudo, only when missing);
#   2. uv (pinned), in .tools/;
#   3. the virtual environment .venv as uv.lock says: the service's dependencies only.
# With --with-browser (what `make test` passes) it also installs the dependency group `test` into .venv and
# Debian's headless Chromium for the browser tests.
set -euo pipefail
with_browser=0
[ "${1:-}" = "--with-browser" ] && with_browser=1
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
PG_MAJOR=15
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else die "installing '$*' needs root: run as root, install sudo, or install the packages yourself"; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install $* with your package manager"
  say "Installing $* (Debian packages) ..."
  if [ -z "${PESISIR_APT_UPDATED:-}" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    export PESISIR_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

packages=()
[ -x "/usr/lib/postgresql/$PG_MAJOR/bin/initdb" ] || packages+=("postgresql-$PG_MAJOR")
[ -f "/usr/share/postgresql/$PG_MAJOR/extension/postgis.control" ] || packages+=("postgresql-$PG_MAJOR-postgis-3")
command -v runuser >/dev/null 2>&1 || packages+=(util-linux)
command -v python3 >/dev/null 2>&1 || packages+=(python3)
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
if [ "$with_browser" -eq 1 ] && ! command -v chromium >/dev/null 2>&1; then packages+=(chromium); fi
if [ "${#packages[@]}" -gt 0 ]; then apt_install "${packages[@]}"; fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "Python 3.11 or newer is needed (found $(python3 --version 2>&1))"

UV=.tools/bin/uv
if [ ! -x "$UV" ] || [ "$("$UV" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "Installing uv $UV_VERSION into .tools/ ..."
  rm -rf .tools
  python3 -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

# What each command needs, as uv.lock says: `make run` the service's dependencies alone (no Playwright, Jupyter
# or matplotlib); `make test` also the group `test` (pyproject.toml). A stamp per purpose, newer than uv.lock and
# pyproject.toml, says it is in place; --inexact keeps what the other purpose installed, so switching between
# `make run` and `make test` installs nothing twice and removes nothing the other needs.
fresh() { [ -f "$1" ] && [ ! uv.lock -nt "$1" ] && [ ! pyproject.toml -nt "$1" ]; }
# Compiled once at install (about 20 s): where PYTHONDONTWRITEBYTECODE is set, every Python process would otherwise
# compile pandas, FastAPI and the rest from source again (about 5 s a process; the suite starts dozens).
export UV_COMPILE_BYTECODE=1
if [ "$with_browser" -eq 1 ]; then
  if ! fresh .venv/.synced-test; then
    say "Installing the service and the test tools into .venv from uv.lock ..."
    UV_PYTHON_DOWNLOADS=never "$UV" sync --frozen --inexact --no-default-groups --group test --python python3
    touch .venv/.synced-test .venv/.synced-run
  fi
elif ! fresh .venv/.synced-run && ! fresh .venv/.synced-test; then
  say "Installing the service into .venv from uv.lock ..."
  UV_PYTHON_DOWNLOADS=never "$UV" sync --frozen --inexact --no-default-groups --python python3
  touch .venv/.synced-run
fi
