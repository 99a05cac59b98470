#!/usr/bin/env bash
# Install the real NTP peers the interop tests talk to (Debian 12, run as root).
# Idempotent: safe to run again. See /work/shared/interop.md for why it looks like this.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="$repo/.peers"

if [ "$(id -u)" -ne 0 ]; then
  echo "install-peers.sh: must run as root" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Keep package scripts from starting daemons (ntpd would call ntp_adjtime on this
# machine's clock). Only add a policy-rc.d if none exists, and remove only ours.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  own_policy=1
fi
cleanup() {
  if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi
  if [ -n "${tmp:-}" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT

apt-get update
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y --no-install-recommends \
  ntpsec ntpsec-ntpdig sntp tshark python3-ntplib iproute2 util-linux \
  chromium \
  gcc make git python3 gcc-multilib g++-multilib qemu-user valgrind \
  libcap2 libedit2 libgnutls30 libnettle8 libseccomp2   # chrony's runtime libraries
# gcc-multilib, g++-multilib and qemu-user: the real Espruino interpreter (../shared/espruino/build.sh)
# in its 32-bit ESP32 layout, run under qemu-i386 (test/device/); valgrind: its cost per request (npm run bench).

# If a daemon got started anyway (e.g. policy-rc.d ignored), stop it.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl stop ntpsec.service >/dev/null 2>&1 || true
  systemctl disable ntpsec.service >/dev/null 2>&1 || true
fi
for pid in $(pgrep -x ntpd || true); do
  echo "install-peers.sh: stopping ntpd started by the package (pid $pid)" >&2
  kill "$pid" 2>/dev/null || true
done
for _ in 1 2 3 4 5 6 7 8 9 10; do
  pgrep -x ntpd >/dev/null || break
  sleep 0.5
done
for pid in $(pgrep -x ntpd || true); do kill -9 "$pid" 2>/dev/null || true; done

# chrony conflicts with ntpsec in Debian: unpack its binaries into .peers/chrony instead.
if [ -x "$peers/chrony/usr/sbin/chronyd" ] && [ -x "$peers/chrony/usr/bin/chronyc" ]; then
  echo "install-peers.sh: chrony already unpacked in $peers/chrony"
else
  tmp="$(mktemp -d)"
  chmod 0755 "$tmp"   # apt downloads as user _apt
  (cd "$tmp" && apt-get -o APT::Sandbox::User=root download chrony)
  rm -rf "$peers/chrony"
  mkdir -p "$peers/chrony"
  dpkg-deb -x "$tmp"/chrony_*.deb "$peers/chrony"
fi

"$peers/chrony/usr/sbin/chronyd" -v
ntpdig --version 2>/dev/null || true
ntpq --version   # ntpsec's ntpq comes with the ntpsec package
tshark --version | head -n 1
/usr/bin/python3 -c 'import ntplib; print("python3-ntplib ok")'
chromium --version
qemu-i386 --version | head -n 1
valgrind --version
echo "install-peers.sh: done"
