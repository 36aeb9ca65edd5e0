#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core. Make sure it is installed, so that a fresh
# machine still needs only `npm ci` and `npm test`. Installs with apt-get when missing (the machines run as
# root; elsewhere it uses sudo when available), and says clearly what to do when it cannot.
set -u
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "${CUMULUS_SKIP_BROWSER_INSTALL:-}" = "1" ]; then
  echo "ensure-chromium: /usr/bin/chromium missing and CUMULUS_SKIP_BROWSER_INSTALL=1; browser tests will fail" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: /usr/bin/chromium is missing and this user cannot install it: run 'apt-get install chromium' as root" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium with apt-get (once per machine)…" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq chromium >&2
if [ ! -x /usr/bin/chromium ]; then
  echo "ensure-chromium: apt-get did not install /usr/bin/chromium" >&2
  exit 1
fi
