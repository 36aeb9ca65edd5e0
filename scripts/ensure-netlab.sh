#!/usr/bin/env bash
# The network lab's tests and `cumulus bench netlab` need nftables (the NATs) and coturn (STUN and
# TURN), Debian's packages. Install them with apt-get when missing, as ensure-chromium.sh does for
# the browser. The lab starts coturn itself, inside a namespace; the package's own service is
# not used. Without root the lab cannot run at all, and its tests say so when they fail.
set -u
missing=()
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v turnserver >/dev/null 2>&1 || missing+=(coturn)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "${CUMULUS_SKIP_NETLAB_INSTALL:-}" = "1" ]; then
  echo "ensure-netlab: ${missing[*]} missing and CUMULUS_SKIP_NETLAB_INSTALL=1; the network lab tests will fail" >&2
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "ensure-netlab: ${missing[*]} missing and this user is not root: run 'apt-get install ${missing[*]}' as root (the lab needs root anyway)" >&2
  exit 0
fi
echo "ensure-netlab: installing ${missing[*]} with apt-get (once per machine)…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
# Debian's package may start its own coturn service; the lab runs its own inside a namespace.
command -v turnserver >/dev/null 2>&1 || { echo "ensure-netlab: apt-get did not install coturn" >&2; exit 1; }
