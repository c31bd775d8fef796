"""Topic and subscription names, the one place both the code and the local stack read them."""

from __future__ import annotations

from dataclasses import dataclass

VOICE_UTTERANCE = "voice-utterance"
VOICE_TRANSCRIPT = "voice-transcript"
AGENT_REPLY = "agent-reply"
SESSION_OUTBOUND = "session-outbound"
MONITOR_EVENTS = "monitor-events"
TOPICS = (VOICE_UTTERANCE, VOICE_TRANSCRIPT, AGENT_REPLY, SESSION_OUTBOUND, MONITOR_EVENTS)

MAX_DELIVERY_ATTEMPTS = 5
# Redelivery of the function subscriptions. In the cloud they are push subscriptions
# (terraform/modules/functions/subscriptions.tf sets the same values): Pub/Sub waits
# PUSH_ACK_DEADLINE_SECONDS for the function's answer. The local stack pulls instead, and its
# worker renews the lease of each message while the handler runs, so the deadline there only
# says how soon the messages of a worker that died are delivered again.
PUSH_ACK_DEADLINE_SECONDS = 60
PULL_ACK_DEADLINE_SECONDS = 3
RETRY_MIN_BACKOFF_SECONDS = 1
RETRY_MAX_BACKOFF_SECONDS = 60


def dead_letter_topic(topic: str) -> str:
    return f"{topic}-dead-letter"


def dead_letter_hold_subscription(topic: str) -> str:
    """A pull subscription that keeps dead-lettered messages for inspection and replay."""
    return f"{topic}-dead-letter-hold"


@dataclass(frozen=True)
class FunctionSubscription:
    name: str
    topic: str
    function: str  # folder under functions/
    entry_point: str  # the CloudEvent handler the local stack calls with each pulled message
    ordered: bool = False
    # A function that also has an HTTP API is deployed with this HTTP entry point instead: the
    # push subscription posts to its "/", and its other paths are the API. The local stack
    # serves it beside the pulled subscription, on this port (CONVONET_<NAME>_PORT).
    http_entry_point: str | None = None
    local_http_port: int | None = None

    @property
    def deployed_entry_point(self) -> str:
        return self.http_entry_point or self.entry_point


FUNCTION_SUBSCRIPTIONS = (
    FunctionSubscription(
        "stt-voice-utterance", VOICE_UTTERANCE, "stt", "handle_voice_utterance", ordered=True
    ),
    FunctionSubscription(
        "agent-turn-voice-transcript",
        VOICE_TRANSCRIPT,
        "agent_turn",
        "handle_voice_transcript",
        http_entry_point="handle_agent_request",  # its API: /agent/process, /api/*-provider(s)
        local_http_port=8094,
    ),
    FunctionSubscription("tts-agent-reply", AGENT_REPLY, "tts", "handle_agent_reply", ordered=True),
    FunctionSubscription(
        "monitor-monitor-events", MONITOR_EVENTS, "monitor", "handle_monitor_event"
    ),
)


# Who publishes to which topic. Terraform's publisher grants (terraform/modules/functions/
# locals.tf `publishes`, terraform/modules/relay/iam.tf) are tested against this table. Every
# function fed by a subscription may also publish to that topic's dead-letter topic: a message
# that does not parse is sent there by the handler (shared.bus.Bus.dead_letter).
PUBLISHES: dict[str, tuple[str, ...]] = {
    # A session's start goes to the agent as a voice-transcript: the agent greets the caller.
    # It also reports the caller's wait: end of input -> first audio sent (monitor-events).
    "relay": (VOICE_UTTERANCE, VOICE_TRANSCRIPT, MONITOR_EVENTS),
    "stt": (VOICE_TRANSCRIPT, SESSION_OUTBOUND, MONITOR_EVENTS),
    "agent_turn": (AGENT_REPLY, SESSION_OUTBOUND, MONITOR_EVENTS),
    "tts": (SESSION_OUTBOUND, MONITOR_EVENTS),
    "monitor": (),
    "tools": (MONITOR_EVENTS,),  # a record of every tool call
    "crm": (),
    "hanok": (MONITOR_EVENTS,),  # a record of every call of its MCP tools
    "operator": (),  # it only reads
}


@dataclass(frozen=True)
class HttpFunction:
    """A function reached over HTTP rather than fed by a subscription."""

    function: str  # folder under functions/
    entry_point: str
    local_port: int  # where the local stack serves it
    callers: tuple[str, ...]  # functions that call it (Terraform grants them run.invoker)


HTTP_FUNCTIONS = (
    HttpFunction("tools", "handle_tools_request", 8091, ("agent_turn",)),
    HttpFunction("crm", "handle_crm_request", 8092, ("tools",)),  # the clinic tools
    # Hanok Table: agent_turn calls its MCP tools. Twilio, guests' browsers (through Firebase
    # Hosting) and Cloud Scheduler (the reminders) reach it too, but they are not functions.
    HttpFunction("hanok", "handle_hanok_request", 8093, ("agent_turn",)),
    # The operator pages' API: browsers reach it through Firebase Hosting (and its live feed
    # at the function's own URL), signed in as operators; no function calls it.
    HttpFunction("operator", "handle_operator_request", 8095, ()),
)


def relay_subscription(relay_id: str) -> str:
    """Each relay instance has its own subscription to ``session-outbound``."""
    return f"{SESSION_OUTBOUND}-relay-{relay_id}"


@dataclass(frozen=True)
class RelaySubscription:
    """The facts of a relay instance's own ``session-outbound`` subscription, which the
    instance creates at start and deletes on shutdown (terraform/modules/relay/iam.tf grants
    exactly that; Terraform declares no subscription of its own for it)."""

    topic: str = SESSION_OUTBOUND
    ack_deadline_seconds: int = 10
    message_ordering: bool = True  # a turn's pieces reach the caller in order
    filter_attribute: str = "relay_id"  # production delivers only this instance's sessions
    min_ttl_days: int = 1  # Pub/Sub's shortest expiration; an idle instance's is removed
    flow_control_max_messages: int = 500

    def name(self, relay_id: str) -> str:
        return relay_subscription(relay_id)

    def filter(self, relay_id: str) -> str:
        return f'attributes.{self.filter_attribute} = "{relay_id}"'

    def ttl_days(self, wanted: int) -> int:
        return max(wanted, self.min_ttl_days)


RELAY_SUBSCRIPTION = RelaySubscription()
