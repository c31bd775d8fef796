# One entry per folder under functions/. Everything else in this module is derived from
# this table, so a function's access is reviewed in one place:
#
#   entry_point   handler name in the function's main.py
#   push_topic    topic delivered to the function by our own push subscription (null: HTTP only)
#   subscription  name of that push subscription
#   ordered       deliver in ordering-key order (shared/topics.py FUNCTION_SUBSCRIPTIONS)
#   publishes     topics the function may publish to (shared/topics.py PUBLISHES); a pushed
#                 function may also publish to its push topic's dead-letter topic
#   secrets       environment variables filled from Secret Manager
#   firestore     reads and writes Firestore
#   database      connects to Cloud SQL (gets the socket, the DB settings and cloudsql.client)
#   audio_role    role on the audio bucket, or null
#   invokes       other functions it calls over HTTP (gets run.invoker on them and their URL)

locals {
  functions = {
    stt = {
      entry_point  = "handle_voice_utterance"
      push_topic   = "voice-utterance"
      subscription = "stt-voice-utterance"
      ordered      = true
      publishes    = ["voice-transcript", "session-outbound", "monitor-events"]
      secrets      = ["DEEPGRAM_API_KEY"]
      firestore    = true
      database     = false
      audio_role   = "roles/storage.objectViewer"
      invokes      = []
      memory       = "1Gi"
      concurrency  = 4
    }
    agent_turn = {
      entry_point  = "handle_voice_transcript"
      push_topic   = "voice-transcript"
      subscription = "agent-turn-voice-transcript"
      ordered      = false
      publishes    = ["agent-reply", "session-outbound", "monitor-events"]
      secrets      = ["CONVONET_DB_PASSWORD", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"]
      firestore    = true
      database     = true
      audio_role   = null
      invokes      = ["tools", "hanok"]
      memory       = "1Gi"
      concurrency  = 8
    }
    tts = {
      entry_point  = "handle_agent_reply"
      push_topic   = "agent-reply"
      subscription = "tts-agent-reply"
      ordered      = true
      publishes    = ["session-outbound", "monitor-events"]
      secrets      = ["DEEPGRAM_API_KEY"]
      firestore    = true
      database     = false
      audio_role   = "roles/storage.objectAdmin"
      invokes      = []
      memory       = "1Gi"
      concurrency  = 4
    }
    monitor = {
      entry_point  = "handle_monitor_event"
      push_topic   = "monitor-events"
      subscription = "monitor-monitor-events"
      ordered      = false
      publishes    = []
      secrets      = []
      firestore    = true
      database     = false
      audio_role   = null
      invokes      = []
      memory       = "512Mi"
      concurrency  = 20
    }
    tools = {
      entry_point  = "app"
      push_topic   = null
      subscription = null
      ordered      = false
      publishes    = []
      secrets      = ["CONVONET_DB_PASSWORD", "CONVONET_OPERATOR_PASSWORD_HASH"]
      firestore    = true
      database     = true
      audio_role   = null
      invokes      = ["crm"]
      memory       = "512Mi"
      concurrency  = 20
    }
    crm = {
      entry_point  = "app"
      push_topic   = null
      subscription = null
      ordered      = false
      publishes    = []
      secrets      = ["CONVONET_DB_PASSWORD", "CONVONET_OPERATOR_PASSWORD_HASH"]
      firestore    = false
      database     = true
      audio_role   = null
      invokes      = []
      memory       = "512Mi"
      concurrency  = 20
    }
    hanok = {
      entry_point  = "app"
      push_topic   = null
      subscription = null
      ordered      = false
      publishes    = []
      secrets      = ["CONVONET_DB_PASSWORD"]
      firestore    = false
      database     = true
      audio_role   = null
      invokes      = []
      memory       = "512Mi"
      concurrency  = 20
    }
    # Telephony verifies caller PINs itself (DTMF or speech), so it needs the PIN pepper
    # like the relay does. Gather-fallback turns enter the pipeline at voice-transcript.
    telephony = {
      entry_point  = "app"
      push_topic   = null
      subscription = null
      ordered      = false
      publishes    = ["voice-transcript", "monitor-events"]
      secrets      = ["CONVONET_DB_PASSWORD", "CONVONET_PIN_PEPPER", "TWILIO_AUTH_TOKEN"]
      firestore    = true
      database     = true
      audio_role   = "roles/storage.objectViewer"
      invokes      = []
      memory       = "512Mi"
      concurrency  = 20
    }
  }

  # Cloud Run service names cannot hold underscores; the function name is its service name.
  service_names = { for name, fn in local.functions : name => replace(name, "_", "-") }

  # Deterministic Cloud Run URLs, known before the functions exist, so a function can be
  # told where another one lives without a dependency cycle inside one for_each.
  service_urls = {
    for name, service in local.service_names :
    name => "https://${service}-${data.google_project.project.number}.${var.region}.run.app"
  }

  pushed_functions = { for name, fn in local.functions : name => fn if fn.push_topic != null }
  http_functions   = { for name, fn in local.functions : name => fn if fn.push_topic == null }

  common_environment = {
    CONVONET_ENV          = var.runtime_environment
    GOOGLE_CLOUD_PROJECT  = var.project_id
    CONVONET_AUDIO_BUCKET = var.audio_bucket
    CONVONET_LOG_LEVEL    = var.log_level
  }

  database_environment = {
    CONVONET_DB_HOST = "/cloudsql/${var.db_connection_name}"
    CONVONET_DB_NAME = var.db_name
    CONVONET_DB_USER = var.db_user
  }

  function_environment = {
    for name, fn in local.functions : name => merge(
      local.common_environment,
      fn.database ? local.database_environment : {},
      { for target in fn.invokes : "CONVONET_${upper(target)}_URL" => local.service_urls[target] },
      name == "agent_turn" ? { CONVONET_LLM_PROVIDER = var.llm_provider } : {},
      lookup(var.extra_environment, name, {}),
    )
  }
}

data "google_project" "project" {
  project_id = var.project_id
}
