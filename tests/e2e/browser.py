"""Headless Chromium for the browser end-to-end tests.

The browser is Debian's ``chromium`` package (``scripts/setup-system.sh`` installs it), driven by
Playwright's sync API; Playwright never downloads a browser of its own. The microphone is
Chromium's fake capture device playing a 16-bit PCM WAV file once, so a page's real recording
path (getUserMedia, MediaRecorder, AudioWorklet) runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"


def find_chromium() -> str | None:
    """Debian's Chromium, or another Chromium binary on PATH (``CONVONET_CHROMIUM`` wins)."""
    candidates = (
        os.environ.get("CONVONET_CHROMIUM"),
        CHROMIUM,
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    )
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def chromium_args(fake_audio: Path | None) -> list[str]:
    args = [
        "--use-fake-ui-for-media-stream",  # grant the microphone without a prompt
        "--use-fake-device-for-media-stream",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if fake_audio is not None:
        # Chromium reads 16-bit PCM WAV at any rate and resamples it; %noloop plays it once.
        args.insert(2, f"--use-file-for-fake-audio-capture={fake_audio}%noloop")
    return args


@contextmanager
def launch_chromium(fake_audio: Path | None = None) -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("no Chromium found; install Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=chromium_args(fake_audio)
        )
        try:
            yield browser
        finally:
            browser.close()
