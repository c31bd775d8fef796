#!/usr/bin/env bash
# Installs the system packages the local stack needs, when they are missing (Debian 12).
# Safe to run again: it only installs what is absent.
set -euo pipefail

need=()
have_pg=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | head -n1 || true)
[ -n "$have_pg" ] || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
python3.11 -c "import venv, ensurepip" >/dev/null 2>&1 || need+=(python3.11-venv)
# Headless Chromium for the browser end-to-end tests (the voice page's microphone path).
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing system packages: ${need[*]} (run: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "installing system packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

sdk_root=$(gcloud info --format='value(installation.sdk_root)' 2>/dev/null || echo /usr/lib/google-cloud-sdk)
# The SDK folder, its gcloud component and its Debian package differ in name:
# platform/pubsub-emulator, component pubsub-emulator, package google-cloud-cli-pubsub-emulator;
# platform/cloud-firestore-emulator, component cloud-firestore-emulator,
# package google-cloud-cli-firestore-emulator.
declare -A emulator_package=(
  [pubsub-emulator]=google-cloud-cli-pubsub-emulator
  [cloud-firestore-emulator]=google-cloud-cli-firestore-emulator
)
for emulator in pubsub-emulator cloud-firestore-emulator; do
  [ -d "$sdk_root/platform/$emulator" ] && continue
  package=${emulator_package[$emulator]}
  if command -v gcloud >/dev/null 2>&1 && gcloud components install -q "$emulator" >/dev/null 2>&1; then
    continue
  fi
  if [ "$(id -u)" -eq 0 ] && apt-get install -y -qq "$package" >/dev/null 2>&1; then
    continue
  fi
  echo "the Google Cloud SDK's $emulator is missing and could not be installed here;" \
    "install the Debian package $package from Google's apt repository" \
    "(https://packages.cloud.google.com/apt), or run: gcloud components install $emulator" >&2
  exit 1
done
