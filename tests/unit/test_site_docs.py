"""hosting/public/docs/*.html is what the code says: the committed pages are what the generator
writes, and every topic, frame, contract, Hosting route and HTTP route is on them."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from local import site_docs
from local.site_docs import OUT, PAGES, main, render_all, stale_pages, write
from shared.contracts import TOPIC_CONTRACTS
from shared.topics import FUNCTION_SUBSCRIPTIONS, HTTP_FUNCTIONS, PUBLISHES, TOPICS

pytestmark = pytest.mark.unit

REGENERATE = "run `make docs`"


@cache
def rendered() -> dict[str, str]:
    return render_all()


def committed(name: str) -> str:
    return (OUT / name).read_text()


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_is_current(name: str) -> None:
    assert (OUT / name).is_file(), f"hosting/public/docs/{name} is missing: {REGENERATE}"
    assert committed(name) == rendered()[name], f"docs/{name} is out of date: {REGENERATE}"


def test_no_stray_generated_pages() -> None:
    pages = {p.name for p in OUT.glob("*.html")}
    assert pages == set(PAGES), "a page under hosting/public/docs/ the generator does not write"


def test_generation_is_deterministic() -> None:
    assert render_all() == rendered()


def test_check_names_a_stale_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path)
    assert stale_pages(tmp_path) == []
    assert main(["--check", "--out", str(tmp_path)]) == 0
    spec = tmp_path / "spec.html"
    spec.write_text(spec.read_text().replace("voice-utterance", "voice-utterances", 1))
    (tmp_path / "transfer.html").unlink()
    assert stale_pages(tmp_path) == ["transfer.html", "spec.html"]
    assert main(["--check", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "spec.html" in err and "transfer.html" in err and "index.html" not in err


# ---- the pages are well formed, self-contained and linked ------------------------------------


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_is_well_formed_and_self_contained(name: str) -> None:
    text = rendered()[name]
    # Balanced tags and quoted attributes (the page is the generator's own output).
    ET.fromstring(text.removeprefix("<!doctype html>\n"))  # noqa: S314
    assert '<link rel="stylesheet" href="/docs/docs.css" />' in text
    assert '<a href="/">' in text, "every page links back to the home page"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', text), "no CDN, no external assets"
    assert "<script" not in text
    ids = re.findall(r'\bid="([^"]+)"', text)
    duplicated = {i for i in ids if ids.count(i) > 1}
    assert not duplicated, duplicated


def test_the_stylesheet_exists() -> None:
    assert (OUT / "docs.css").is_file()


def test_index_links_to_every_page() -> None:
    for name in PAGES:
        if name != "index.html":
            assert f'href="/docs/{name.removesuffix(".html")}"' in rendered()["index.html"]


def test_in_page_links_resolve() -> None:
    ids = {
        name.removesuffix(".html"): set(re.findall(r'\bid="([^"]+)"', text))
        for name, text in rendered().items()
    }
    for name, text in rendered().items():
        for page, anchor in re.findall(r'href="(?:/docs/([a-z-]*))?#([^"]+)"', text):
            target = page or name.removesuffix(".html")
            assert html.unescape(anchor) in ids[target], f"{name}: #{anchor} on {target}"


# ---- what the pages must name, read from the code independently of the generator -------------


def text_of(name: str) -> str:
    return html.unescape(committed(name))


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_is_in_architecture_and_spec(topic: str) -> None:
    assert f">{topic}</text>" in committed("architecture.html"), "missing from the diagram"
    assert f'id="topic-{topic}"' in committed("spec.html")


@pytest.mark.parametrize("topic", sorted(TOPIC_CONTRACTS))
def test_every_contract_and_its_fields_are_in_the_spec(topic: str) -> None:
    model = TOPIC_CONTRACTS[topic]
    spec = committed("spec.html")
    assert f"{model.__name__}</h3>" in spec
    schema = model.model_json_schema()
    for name in schema["properties"]:
        assert f'id="topic-{topic}-{name}"' in spec, f"{topic}.{name}"
    required = set(schema.get("required", []))
    for name in schema["properties"]:
        row = spec.split(f'id="topic-{topic}-{name}"', 1)[1].split("</tr>", 1)[0]
        assert ("<td>required</td>" in row) == (name in required), f"{topic}.{name}"


def _frame_types(frames: list[type]) -> list[str]:
    return [site_docs.frame_type(f) for f in frames]


def test_the_frame_lists_are_the_protocol_unions() -> None:
    from shared import ws_protocol

    def members(tp: Any) -> set[Any]:
        args = getattr(tp, "__args__", None)
        if args is None:
            return {tp}
        out: set[Any] = set()
        for arg in args:
            meta = getattr(arg, "__metadata__", None)
            out |= members(arg.__origin__ if meta is not None else arg)
        return out

    assert set(_frame_types(site_docs.CLIENT_FRAMES)) == ws_protocol.CLIENT_FRAME_TYPES
    assert set(site_docs.CLIENT_FRAMES) == members(ws_protocol.ClientFrame)
    assert set(site_docs.SERVER_FRAMES) == members(ws_protocol.ServerFrame)
    assert set(site_docs.OUTBOUND_FRAMES) == members(ws_protocol.OutboundClientEvent)


@pytest.mark.parametrize(
    ("side", "frame"),
    [("client", f) for f in site_docs.CLIENT_FRAMES]
    + [("server", f) for f in site_docs.SERVER_FRAMES],
    ids=lambda x: x if isinstance(x, str) else x.__name__,
)
def test_every_websocket_frame_and_its_fields_are_in_the_spec(side: str, frame: type) -> None:
    spec = committed("spec.html")
    kind = site_docs.frame_type(frame)
    assert f'id="frame-{side}-{kind}"' in spec
    for name in frame.model_json_schema()["properties"]:  # type: ignore[attr-defined]
        assert f'id="frame-{side}-{kind}-{name}"' in spec, f"{kind}.{name}"


def hosting_rewrites() -> list[dict[str, object]]:
    config = json.loads((site_docs.ROOT / "hosting" / "firebase.json").read_text())
    return list(config["hosting"].get("rewrites", []))


@pytest.mark.parametrize("rule", hosting_rewrites(), ids=lambda r: str(r.get("source")))
def test_every_hosting_route_is_in_the_spec(rule: dict[str, object]) -> None:
    hosting = text_of("spec.html").split('id="hosting"', 1)[1].split("</section>", 1)[0]
    fn = rule.get("function")
    target = fn.get("functionId") if isinstance(fn, dict) else fn or rule.get("destination")
    row = f"<td><code>{rule['source']}</code></td>"
    assert row in hosting, rule
    assert str(target) in hosting.split(row, 1)[1].split("</tr>", 1)[0]


def test_every_http_function_is_documented_or_listed_as_not_yet() -> None:
    spec = committed("spec.html")
    served = [h.function for h in HTTP_FUNCTIONS]
    served += [s.function for s in FUNCTION_SUBSCRIPTIONS if s.http_entry_point]
    pending = (
        spec.split('id="not-yet-documented"', 1)[1].split("</p>", 1)[0]
        if ('id="not-yet-documented"' in spec)
        else ""
    )
    for name in served:
        assert f'id="http-{name}"' in spec, name
        if name not in site_docs.APPS:
            assert f"<code>{name}</code>" in pending, f"{name} is not listed as not yet documented"


@pytest.mark.parametrize("name", sorted(site_docs.APPS))
def test_every_http_route_is_in_the_spec(name: str) -> None:
    served = site_docs.APPS[name]()
    section = text_of("spec.html").split(f'id="http-{name}"', 1)[1].split("<h3 ", 1)[0]
    paths: list[tuple[str, str]] = [(r.method, r.path) for r in served.extra]
    if served.app is not None:
        openapi = served.app.openapi()["paths"]
        paths += [(m.upper(), p) for p, ops in openapi.items() for m in ops]
    assert paths, f"{name} serves no route?"
    for method, path in paths:
        assert re.search(
            rf"<td><code>{method}</code></td>\s*"
            rf'<td><span class="route"><code>{re.escape(path)}</code>',
            section,
        ), f"{name}: {method} {path}"


def test_every_deployable_is_in_the_architecture() -> None:
    arch = committed("architecture.html")
    folders = sorted(
        p.name for p in (site_docs.ROOT / "functions").iterdir() if (p / "__init__.py").is_file()
    )
    for name in ["relay", *folders]:
        assert f'id="deployable-{name}"' in arch, name
        assert f">{name}</text>" in arch, f"{name} is not in the diagram"


def test_every_publisher_edge_and_ordered_subscription_is_in_the_architecture() -> None:
    arch = committed("architecture.html")
    for publisher, published in PUBLISHES.items():
        for topic in published:
            assert f'id="pub-{publisher}-{topic}"' in arch
    for sub in FUNCTION_SUBSCRIPTIONS:
        row = arch.split(f"<td><code>{sub.name}</code></td>", 1)[1].split("</tr>", 1)[0]
        assert ("<td>ordered</td>" in row) == sub.ordered, sub.name
    for http in HTTP_FUNCTIONS:
        row = arch.split(f"<tr><td><code>{http.function}</code></td>", 2)[-1].split("</tr>")[0]
        for caller in http.callers:
            assert f"<code>{caller}</code>" in row, f"{caller} -> {http.function}"


def test_the_voice_turn_names_the_real_frames_and_topics() -> None:
    from shared import ws_protocol

    page = text_of("voice-turn.html")
    for topic in TOPICS:
        assert topic in page
    for frame in (
        ws_protocol.StartRecording,
        ws_protocol.AudioChunk,
        ws_protocol.StopRecording,
        ws_protocol.ProcessingStart,
        ws_protocol.TranscriptFinal,
        ws_protocol.AgentFinal,
        ws_protocol.AudioOut,
        ws_protocol.Text,
        ws_protocol.Authenticate,
        ws_protocol.AuthOk,
        ws_protocol.Greeting,
    ):
        assert re.search(rf"\d+\. {site_docs.frame_type(frame)}\b", page), frame.__name__


def test_a_step_the_code_no_longer_does_stops_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    shrunk = {**PUBLISHES, "stt": tuple(t for t in PUBLISHES["stt"] if t != "voice-transcript")}
    monkeypatch.setattr(site_docs, "PUBLISHES", shrunk)
    with pytest.raises(site_docs.StaleStep, match="stt does not publish to voice-transcript"):
        site_docs.voice_turn()


def test_a_frame_outside_the_protocol_stops_generation() -> None:
    from pydantic import BaseModel

    class Invented(BaseModel):
        type: str = "invented"

    seq = site_docs.Seq(site_docs.voice_lanes())
    with pytest.raises(site_docs.StaleStep):
        seq.send("browser", "relay", Invented)


def test_an_unknown_http_function_is_listed_not_built(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.topics import HttpFunction

    extra = (*HTTP_FUNCTIONS, HttpFunction("newcomer", "handle_newcomer", 8099, ()))
    monkeypatch.setattr(site_docs, "HTTP_FUNCTIONS", extra)
    built, pending = site_docs.served_apps()
    assert "newcomer" in pending and "newcomer" not in built
    assert 'id="not-yet-documented">Not yet documented: ' in site_docs.spec_http()


def test_an_apps_entry_for_a_function_without_http_stops_generation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(site_docs.APPS, "gone", site_docs.APPS["crm"])
    with pytest.raises(site_docs.StaleStep, match="gone"):
        site_docs.served_apps()


def test_the_transfer_page_says_what_is_planned() -> None:
    page = text_of("transfer.html")
    assert "Planned, not built" in page
    assert "transfer.requests" in page and "transfer_to_agent" in page
