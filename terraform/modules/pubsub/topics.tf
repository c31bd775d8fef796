# The five topics of the voice pipeline (see DESIGN: one voice turn).
#
#   voice-utterance   relay -> stt
#   voice-transcript  stt (and typed input) -> agent_turn
#   agent-reply       agent_turn -> tts, one message per sentence, ordered by turn
#   session-outbound  stt / agent_turn / tts -> relay instances (filtered by relay_id)
#   monitor-events    every stage -> monitor

locals {
  topics = [
    "voice-utterance",
    "voice-transcript",
    "agent-reply",
    "session-outbound",
    "monitor-events",
  ]
}

resource "google_pubsub_topic" "topic" {
  for_each = toset(local.topics)

  project                    = var.project_id
  name                       = each.key
  message_retention_duration = var.topic_message_retention
  labels                     = var.labels
}
