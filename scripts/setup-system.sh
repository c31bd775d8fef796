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
for emulator in pubsub-emulator cloud-firestore-emulator; do
  if [ ! -d "$sdk_root/platform/$emulator" ]; then
    if command -v gcloud >/dev/null 2>&1; then
      comp=${emulator/cloud-firestore-emulator/cloud-firestore-emulator}
      gcloud components install -q "$comp" >/dev/null 2>&1 || \
        apt-get install -y -qq "google-cloud-cli-${emulator%-emulator}-emulator" >/dev/null 2>&1 || {
          echo "the Google Cloud SDK's $emulator is missing and could not be installed" >&2; exit 1; }
    else
      echo "the Google Cloud SDK (with the Pub/Sub and Firestore emulators) is required" >&2
      exit 1
    fi
  fi
done
