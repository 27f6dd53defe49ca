#!/usr/bin/env bash
# A headless Chromium for the report test (tests/browser/report.py):
# prints its path, installing Debian's chromium-headless-shell first when
# no Chromium is there.
#
#   CHROMIUM=$(bash .ci/chromium.sh)
set -euo pipefail
found() {
  local c
  for c in "${CHROMIUM:-}" /usr/lib/chromium/chromium-headless-shell \
    "$(command -v chromium-headless-shell || true)" "$(command -v chromium || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}
if ! found >/dev/null; then
  echo "installing Chromium (apt-get chromium-headless-shell)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends chromium-headless-shell) >&2
fi
found
