#!/usr/bin/env bash
# Installs Debian's Chromium, which the browser test of the admin pages drives headless through
# playwright-core, unless /usr/bin/chromium is already there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium not found at /usr/bin/chromium: install Debian's chromium package." >&2
  exit 1
fi

echo "Installing Chromium for the browser test…"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
