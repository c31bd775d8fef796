"""``make bundle``: one source archive per function and one for the relay, each with shared/.

A Cloud Functions source archive has ``main.py`` and ``requirements.txt`` at its root, and the
function's own code at ``functions/<name>/``, where it lives in the repository, so it is imported
by the same name everywhere (``functions.agent_turn.handler``). The relay archive has the
``websocket_relay`` package, its Dockerfile and requirements at its root.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
_SKIP = {"__pycache__", ".mypy_cache", ".ruff_cache"}


def _files(base: Path) -> list[Path]:
    return sorted(
        p
        for p in base.rglob("*")
        if p.is_file() and not _SKIP.intersection(p.parts) and p.suffix != ".pyc"
    )


def _add_file(archive: zipfile.ZipFile, path: Path, name: str) -> None:
    # Fixed timestamps and modes: the same source gives the same archive bytes.
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, path.read_bytes())


def _add_tree(archive: zipfile.ZipFile, base: Path, prefix: str) -> None:
    for path in _files(base):
        _add_file(archive, path, f"{prefix}{path.relative_to(base).as_posix()}")


def functions() -> list[str]:
    return sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "main.py").is_file())


def build(dist: Path = DIST) -> list[Path]:
    dist.mkdir(parents=True, exist_ok=True)
    built = []
    for name in functions():
        target = dist / f"{name}.zip"
        own = ROOT / "functions" / name
        with zipfile.ZipFile(target, "w") as archive:
            for entry in ("main.py", "requirements.txt"):
                _add_file(archive, own / entry, entry)
            _add_file(archive, ROOT / "functions" / "__init__.py", "functions/__init__.py")
            _add_tree(archive, own, f"functions/{name}/")
            _add_tree(archive, ROOT / "shared", "shared/")
        built.append(target)
    target = dist / "websocket_relay.zip"
    with zipfile.ZipFile(target, "w") as archive:
        _add_tree(archive, ROOT / "websocket_relay", "websocket_relay/")
        for name in ("Dockerfile", "requirements.txt"):
            _add_file(archive, ROOT / "websocket_relay" / name, name)
        _add_tree(archive, ROOT / "shared", "shared/")
        # The end-of-turn model (ADR 0018), fetched by `make setup` into the git-ignored cache.
        model = ROOT / ".models" / "smart-turn-v3.2-cpu.onnx"
        if not model.is_file():
            raise SystemExit(f"{model} is missing: run scripts/fetch-models.sh")
        _add_file(archive, model, ".models/smart-turn-v3.2-cpu.onnx")
    built.append(target)
    return built


def main() -> int:
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else DIST):
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
