#!/usr/bin/env bash
# Usage: ensure-debian.sh PATH PACKAGE. Tests use real Debian programs (Chromium, PHP's built-in
# server): make sure PATH exists, installing PACKAGE with apt-get when it is missing, so that a fresh
# machine still needs only `npm ci` and `npm test`. The machines run as root; elsewhere it uses sudo
# when available, and says clearly what to do when it cannot.
set -u
path="$1"; pkg="$2"
if [ -x "$path" ]; then exit 0; fi
if [ "${CUMULUS_SKIP_INSTALL:-${CUMULUS_SKIP_BROWSER_INSTALL:-}}" = "1" ]; then
  echo "ensure-debian: $path missing and CUMULUS_SKIP_INSTALL=1; the tests that need it will fail" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-debian: $path is missing and this user cannot install it: run 'apt-get install $pkg' as root" >&2
    exit 1
  fi
fi
echo "ensure-debian: installing Debian's $pkg with apt-get (once per machine)…" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq "$pkg" >&2
if [ ! -x "$path" ]; then
  echo "ensure-debian: apt-get did not install $path" >&2
  exit 1
fi
