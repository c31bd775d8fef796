#!/usr/bin/env bash
# Vendors the pages' npm dependencies (hosting/package.json, pinned in hosting/package-lock.json)
# into hosting/public/vendor/, which Hosting serves as /vendor/ (the pages use no CDN).
# `npm ci` runs only when hosting/node_modules is missing or the lock file changed; the copy only
# when the vendored files are missing or the lock file changed. Safe to run again: it is a no-op
# (a hash comparison) when nothing changed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hosting="$root/hosting"
vendor="$hosting/public/vendor"
lock="$hosting/package-lock.json"
modules_stamp="$hosting/node_modules/.convonet-lock-sha256"
vendor_stamp="$vendor/.stamp"  # dot files are not deployed (firebase.json "ignore")

# source (under node_modules) -> name in hosting/public/vendor/
files=(
  "uplot/dist/uPlot.iife.min.js:uPlot.iife.min.js"
  "uplot/dist/uPlot.min.css:uPlot.min.css"
  "uplot/LICENSE:uPlot.LICENSE.txt"
)

[ -f "$lock" ] || { echo "vendor-web: $lock is missing" >&2; exit 1; }
hash=$( (sha256sum "$lock" "${BASH_SOURCE[0]}" 2>/dev/null || shasum -a 256 "$lock" "${BASH_SOURCE[0]}") | awk '{print $1}' | tr '\n' ' ')

vendored() {
  [ "$(cat "$vendor_stamp" 2>/dev/null)" = "$hash" ] || return 1
  local entry
  for entry in "${files[@]}"; do
    [ -s "$vendor/${entry#*:}" ] || return 1
  done
}
vendored && exit 0

installed() {
  [ "$(cat "$modules_stamp" 2>/dev/null)" = "$hash" ] || return 1
  local entry
  for entry in "${files[@]}"; do
    [ -s "$hosting/node_modules/${entry%%:*}" ] || return 1
  done
}
if ! installed; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "vendor-web: npm is not installed; the operator pages need it to vendor their charts" \
      "(uPlot). Install Node.js 20 or later with npm (Debian: sudo apt-get install nodejs npm)," \
      "then run: bash scripts/vendor-web.sh" >&2
    exit 1
  fi
  echo "vendor-web: installing hosting's npm packages (npm ci)"
  # --prefer-offline: use npm's cache when it holds the locked versions; no scripts are run.
  npm ci --prefix "$hosting" --prefer-offline --ignore-scripts --no-audit --no-fund \
    --loglevel=error >/dev/null
  printf '%s' "$hash" >"$modules_stamp"
fi

mkdir -p "$vendor"
for entry in "${files[@]}"; do
  cp "$hosting/node_modules/${entry%%:*}" "$vendor/${entry#*:}.tmp"
  mv "$vendor/${entry#*:}.tmp" "$vendor/${entry#*:}"
done
printf '%s' "$hash" >"$vendor_stamp"
echo "vendor-web: copied ${#files[@]} files into hosting/public/vendor/"
