"""Create the topics, dead-letter topics and function subscriptions (what Terraform does in the
cloud) on the Pub/Sub emulator. Idempotent.

The function subscriptions are pulled by local/function_worker.py rather than pushed, so they get
the short pull ack deadline: a worker that dies gives its messages back within seconds."""

from __future__ import annotations

from google.api_core import exceptions as gexc
from google.cloud import pubsub_v1
from google.protobuf.duration_pb2 import Duration
from google.pubsub_v1.types import DeadLetterPolicy, RetryPolicy, Subscription

from shared.topics import (
    FUNCTION_SUBSCRIPTIONS,
    MAX_DELIVERY_ATTEMPTS,
    PULL_ACK_DEADLINE_SECONDS,
    RETRY_MAX_BACKOFF_SECONDS,
    RETRY_MIN_BACKOFF_SECONDS,
    TOPICS,
    dead_letter_hold_subscription,
    dead_letter_topic,
)


def create_all(project_id: str) -> None:
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    try:
        for topic in TOPICS:
            for name in (topic, dead_letter_topic(topic)):
                try:
                    publisher.create_topic(name=publisher.topic_path(project_id, name))
                except gexc.AlreadyExists:
                    pass
            _subscribe(
                subscriber,
                Subscription(
                    name=subscriber.subscription_path(
                        project_id, dead_letter_hold_subscription(topic)
                    ),
                    topic=publisher.topic_path(project_id, dead_letter_topic(topic)),
                    message_retention_duration=Duration(seconds=7 * 24 * 3600),
                ),
            )
        for sub in FUNCTION_SUBSCRIPTIONS:
            _subscribe(
                subscriber,
                Subscription(
                    name=subscriber.subscription_path(project_id, sub.name),
                    topic=publisher.topic_path(project_id, sub.topic),
                    ack_deadline_seconds=PULL_ACK_DEADLINE_SECONDS,
                    enable_message_ordering=sub.ordered,
                    dead_letter_policy=DeadLetterPolicy(
                        dead_letter_topic=publisher.topic_path(
                            project_id, dead_letter_topic(sub.topic)
                        ),
                        max_delivery_attempts=MAX_DELIVERY_ATTEMPTS,
                    ),
                    retry_policy=RetryPolicy(
                        minimum_backoff=Duration(seconds=RETRY_MIN_BACKOFF_SECONDS),
                        maximum_backoff=Duration(seconds=RETRY_MAX_BACKOFF_SECONDS),
                    ),
                ),
            )
    finally:
        subscriber.close()


def _subscribe(subscriber: pubsub_v1.SubscriberClient, request: Subscription) -> None:
    try:
        subscriber.create_subscription(request=request)
    except gexc.AlreadyExists:
        pass
