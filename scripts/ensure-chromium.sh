#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through playwright-core: install it when missing.
exec bash "$(dirname "$0")/ensure-debian.sh" /usr/bin/chromium chromium
