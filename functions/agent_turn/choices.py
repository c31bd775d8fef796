"""Which providers a user may choose, and the choice each user saved (Firestore ``user_prefs``).

Three kinds: ``llm`` (the agent's language model), ``stt`` and ``tts`` (speech). A provider is
*available* when this deployment has what it needs (a key, or for the offline ones nothing);
choosing one that is not is refused, so a saved choice never silently means another provider.
The voice path reads the same saved choices: the relay seeds a new session's speech providers
from them, and the agent reads the language model at every turn of a session that chose none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, Field

from functions.agent_turn.api_settings import AgentApiSettings
from functions.agent_turn.llm import providers as llm
from shared.session_store import SessionStore
from shared.settings import AgentSettings
from shared.ws_protocol import OFFLINE_STT, OFFLINE_TTS, SttProvider, TtsProvider

Kind = Literal["llm", "stt", "tts"]
KINDS: tuple[Kind, ...] = get_args(Kind)
_SPEECH_NAMES = {
    "whisper": "Whisper (offline)",
    "piper": "Piper (offline)",
    "deepgram": "Deepgram",
}


class ProviderInfo(BaseModel):
    id: str
    name: str
    available: bool = Field(description="this deployment can use it now")


class SavedChoice(BaseModel):
    user_id: str
    kind: Kind
    provider: str | None = Field(description="the user's saved choice, or null: none saved")
    effective: str = Field(description="who answers for this user when a session chooses none")


class ChoiceRefused(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Choices:
    store: SessionStore
    agent: AgentSettings
    api: AgentApiSettings

    def providers(self, kind: Kind) -> list[ProviderInfo]:
        if kind == "llm":
            usable = set(llm.available(self.agent))
            return [
                ProviderInfo(id=p, name=llm.SPECS[p].display_name, available=p in usable)
                for p in llm.PROVIDERS
            ]
        names = get_args(SttProvider if kind == "stt" else TtsProvider)
        return [
            ProviderInfo(id=n, name=_SPEECH_NAMES[n], available=self._speech_available(n))
            for n in names
        ]

    def saved(self, user_id: str, kind: Kind) -> SavedChoice:
        provider = self.store.get_user_prefs(user_id).get(f"{kind}_provider")
        return SavedChoice(
            user_id=user_id, kind=kind, provider=provider, effective=self._effective(kind, provider)
        )

    def save(self, user_id: str, kind: Kind, provider: str) -> SavedChoice:
        known = {p.id: p for p in self.providers(kind)}
        if provider not in known:
            raise ChoiceRefused(
                "unknown_provider", f"no {kind} provider {provider!r}; known: {', '.join(known)}"
            )
        if not known[provider].available:
            raise ChoiceRefused(
                "provider_unavailable", f"{known[provider].name} is not configured here"
            )
        self.store.save_user_prefs(user_id, **{f"{kind}_provider": provider})
        return self.saved(user_id, kind)

    def _speech_available(self, name: str) -> bool:
        return name != "deepgram" or self.api.deepgram_available

    def _effective(self, kind: Kind, provider: str | None) -> str:
        if kind == "llm":
            return llm.choose(None, provider, self.agent)[0]
        default = self.api.stt_provider if kind == "stt" else self.api.tts_provider
        for name in (provider, default):
            if name and self._speech_available(name):
                return name
        return OFFLINE_STT if kind == "stt" else OFFLINE_TTS
