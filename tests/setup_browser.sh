#!/usr/bin/env bash
# Installs Debian's headless Chromium for the one browser test, when it is missing.
# Without root or without the package registry the browser test is skipped, not failed.
set -u
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "setup_browser: could not install chromium; the browser test will be skipped"
fi
exit 0
