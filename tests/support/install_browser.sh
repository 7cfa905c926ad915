#!/bin/sh
# Browser tests need Debian's chromium + chromedriver and CJK fonts (screenshots of Chinese text).
# Idempotent: does nothing when they are present; installs them only as root with apt-get; otherwise
# prints why the browser tests will be skipped and succeeds (the rest of `make test` still runs).
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && fc-list 2>/dev/null | grep -qi "CJK" && fc-list 2>/dev/null | grep -qi "emoji"; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "browser tests will be skipped: chromium/chromedriver missing and not root with apt-get" >&2
  echo "  (install with: apt-get install -y chromium chromium-driver fonts-noto-cjk fonts-noto-color-emoji)" >&2
  exit 0
fi
echo "installing chromium, chromium-driver and fonts (CJK, emoji) for the browser tests (once)…" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q chromium chromium-driver fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1; then
  apt-get update -q >/dev/null 2>&1
  apt-get install -y -q chromium chromium-driver fonts-noto-cjk fonts-noto-color-emoji >/dev/null 2>&1 \
    || echo "browser tests will be skipped: apt-get could not install chromium" >&2
fi
exit 0
