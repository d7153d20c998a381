#!/usr/bin/env bash
# Copies the README's screenshots from the last run of the suite (e2e/output/screenshots/) to
# docs/screenshots/, compressed with pngquant when it is installed (apt-get install pngquant).
# Run `bash e2e/run.sh` first.
set -euo pipefail
E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FROM="$E2E/output/screenshots"
TO="$E2E/../docs/screenshots"
mkdir -p "$TO"

# source (output/screenshots/NAME.png)   target (docs/screenshots/NAME.png)
MAP="
zh-CN-03-customers-expanded          zh-CN-customer-list-expanded
zh-CN-07-details-eligible            zh-CN-details-upgrade-notice
zh-CN-flow-3-upgrade-form            zh-CN-upgrade-form
zh-CN-flow-4-result                  zh-CN-upgrade-result
en-US-08-details-no-delegated-admin  en-US-details-not-eligible
en-US-14-upgrade-form-error          en-US-upgrade-form-error
zh-CN-phone-details-eligible-screen  zh-CN-phone-details
en-US-flow-6-activity                en-US-activity-log
zh-CN-16-review                      zh-CN-review
zh-CN-21-charges                     zh-CN-charges
en-US-22-prices                      en-US-prices
zh-CN-24-api-access                  zh-CN-api-access
zh-CN-live-results                   zh-CN-bulk-live-results
en-US-bulk-4-file-review             en-US-bulk-file-review
zh-CN-26-catalog                     zh-CN-catalog
en-US-team-01-users                  en-US-users
zh-CN-notifications                  zh-CN-notifications
"

status=0
while read -r src dst; do
  [ -n "$src" ] || continue
  if [ ! -f "$FROM/$src.png" ]; then
    echo "missing $FROM/$src.png: run bash e2e/run.sh first" >&2
    status=1
    continue
  fi
  if command -v pngquant >/dev/null; then
    pngquant --force --strip --quality=70-95 --speed 1 --output "$TO/$dst.png" -- "$FROM/$src.png" ||
      cp "$FROM/$src.png" "$TO/$dst.png"
  else
    cp "$FROM/$src.png" "$TO/$dst.png"
  fi
  printf '%-45s %6d KB\n' "docs/screenshots/$dst.png" "$(( $(wc -c <"$TO/$dst.png") / 1024 ))"
done <<<"$MAP"
exit "$status"
