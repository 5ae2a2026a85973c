#!/usr/bin/env bash
# The browser tests drive Debian's Chromium. Install it when it is missing and we may.
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    && exit 0
fi
echo "WARNING: chromium is not installed and could not be installed; browser tests will be skipped."
exit 0
