# One entry per folder under functions/. Everything else in this module is derived from
# this table, so a function's access is reviewed in one place:
#
#   entry_point   handler name in the function's main.py (shared/topics.py FUNCTION_SUBSCRIPTIONS
#                 and HTTP_FUNCTIONS)
#   push_topic    topic delivered to the function by our own push subscription (null: HTTP only)
#   subscription  name of that push subscription
#   ordered       deliver in ordering-key order (shared/topics.py FUNCTION_SUBSCRIPTIONS)
#   endpoint      path its callers append to its URL ("" when nobody calls it over HTTP)
#   public        invocable by anyone at the IAM level (run.invoker for allUsers), because
#                 callers that cannot attach Google identity tokens reach it (Twilio, guests'
#                 browsers through Firebase Hosting's rewrites); it then authenticates every
#                 request itself (iam.tf). Never a pushed function, tools or crm
#   publishes     topics the function may publish to (shared/topics.py PUBLISHES); a pushed
#                 function may also publish to its push topic's dead-letter topic
#   secrets       environment variables filled from Secret Manager (the Google Calendar ones
#                 only while var.google_calendar_client_id is set, the SuiteCRM ones only while
#                 var.suitecrm_url is set, its password only with var.suitecrm_username too:
#                 see function_secrets)
#   firestore     reads and writes Firestore
#   database      connects to Cloud SQL (gets the socket, the DB settings and cloudsql.client)
#   audio_role    role on the audio bucket, or null
#   invokes       other functions it calls over HTTP (shared/topics.py HTTP_FUNCTIONS callers):
#                 it gets run.invoker on them and CONVONET_<TARGET>_URL, and they are told to
#                 accept its identity tokens
#
# Every entry needs its folder (and so its bundle, <source_release>/<name>.zip): an entry
# without one fails the apply. A new function is added here by the change that adds its folder.

locals {
  functions = {
    stt = {
      entry_point  = "handle_voice_utterance"
      push_topic   = "voice-utterance"
      subscription = "stt-voice-utterance"
      ordered      = true
      endpoint     = ""
      public       = false
      publishes    = ["voice-transcript", "session-outbound", "monitor-events"]
      secrets      = ["DEEPGRAM_API_KEY"]
      firestore    = true
      database     = false
      audio_role   = "roles/storage.objectViewer"
      invokes      = []
      memory       = "1Gi"
      concurrency  = 4
    }
    # The agent reaches PostgreSQL only through the MCP servers (tools, hanok); it signs whom
    # each tool call acts for with the caller key. One HTTP entry point: the push subscription
    # posts to "/" (only the push invoker's identity token is taken there), and its API
    # (/agent/process, /api/*-provider(s)) takes identity tokens of the functions that invoke
    # it (none yet): own_environment.
    agent_turn = {
      entry_point  = "handle_agent_request"
      push_topic   = "voice-transcript"
      subscription = "agent-turn-voice-transcript"
      ordered      = false
      endpoint     = ""
      public       = false
      publishes    = ["agent-reply", "session-outbound", "monitor-events"]
      secrets      = ["CONVONET_TOOLS_CALLER_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"]
      firestore    = true
      database     = false
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
      endpoint     = ""
      public       = false
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
      endpoint     = ""
      public       = false
      publishes    = []
      secrets      = []
      firestore    = true
      database     = false
      audio_role   = null
      invokes      = []
      memory       = "512Mi"
      concurrency  = 20
    }
    # The MCP server (streamable HTTP at /mcp). Only its callers' service accounts may invoke
    # it; it also checks their identity tokens itself. Google Calendar is optional.
    tools = {
      entry_point  = "handle_tools_request"
      push_topic   = null
      subscription = null
      ordered      = false
      endpoint     = "/mcp"
      public       = false
      publishes    = ["monitor-events"]
      secrets = [
        "CONVONET_DB_PASSWORD",
        "CONVONET_TOOLS_CALLER_KEY",
        "CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET",
        "CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN",
      ]
      firestore   = false
      database    = true
      audio_role  = null
      invokes     = ["crm"]
      memory      = "512Mi"
      concurrency = 20
    }
    # The CRM API (FastAPI, OpenAPI at /openapi.json; its callers use its URL as it is). Its
    # built-in backend is the crm schema in PostgreSQL; SuiteCRM is optional. Like tools, only
    # its callers' service accounts may invoke it, and it checks their identity tokens itself.
    # The clinic tools in tools call it.
    crm = {
      entry_point  = "handle_crm_request"
      push_topic   = null
      subscription = null
      ordered      = false
      endpoint     = ""
      public       = false
      publishes    = []
      secrets = [
        "CONVONET_DB_PASSWORD",
        "CONVONET_SUITECRM_CLIENT_SECRET",
        "CONVONET_SUITECRM_PASSWORD",
      ]
      firestore   = false
      database    = true
      audio_role  = null
      invokes     = []
      memory      = "512Mi"
      concurrency = 20
    }
    # Hanok Table, the restaurant's reservations: its REST API (/api/reservations), its MCP
    # server (/mcp, which agent_turn calls: the endpoint), the guests' status page
    # (/reservation/status) and the Twilio webhooks (/webhooks/hanok_table/*). Its rules are
    # functions/hanok/restaurant.json, in its bundle; its data the hanok schema in PostgreSQL.
    #
    # Public at the IAM level, unlike tools and crm: Twilio and guests reach it through
    # Firebase Hosting's rewrites, and neither Twilio nor Hosting can attach a Google identity
    # token, so Cloud Run has to let every request through to the app. The app is the guard:
    # /api and /mcp (and the reminders webhook) take only identity tokens minted for its URL
    # (CONVONET_HANOK_AUDIENCE) by its allowed callers (CONVONET_HANOK_ALLOWED_CALLERS:
    # agent_turn and the reminder scheduler, scheduler.tf), Twilio's webhooks only requests
    # whose X-Twilio-Signature checks out against the URL Twilio called (Hosting's:
    # CONVONET_HANOK_PUBLIC_URL) under the Twilio auth token, and the status page shows a
    # reservation only to whoever has its code.
    hanok = {
      entry_point  = "handle_hanok_request"
      push_topic   = null
      subscription = null
      ordered      = false
      endpoint     = "/mcp"
      public       = true
      publishes    = ["monitor-events"]
      secrets = [
        "CONVONET_DB_PASSWORD",
        "CONVONET_TOOLS_CALLER_KEY",
        "TWILIO_AUTH_TOKEN",
      ]
      firestore   = false
      database    = true
      audio_role  = null
      invokes     = []
      memory      = "512Mi"
      concurrency = 20
    }
    # The operator pages' API (FastAPI, OpenAPI at /openapi.json): the agent monitor, tool
    # execution, the mortgage dashboard and the live feed of turns. Public at the IAM level,
    # like hanok: browsers reach it through Firebase Hosting's rewrites, and its live feed at
    # its own URL (Hosting buffers streamed answers), neither with a Google identity token.
    # The app is the guard: every route but sign-in takes only its own signed session or a
    # Firebase Authentication ID token whose role claim is operator or supervisor. It reads
    # Firestore only (datastore.viewer: operator_firestore_reader in iam.tf), and PostgreSQL
    # for the mortgage applications and its sign-in budget.
    operator = {
      entry_point  = "handle_operator_request"
      push_topic   = null
      subscription = null
      ordered      = false
      endpoint     = ""
      public       = true
      publishes    = []
      secrets = [
        "CONVONET_DB_PASSWORD",
        "CONVONET_OPERATOR_SESSION_KEY",
      ]
      firestore   = false
      database    = true
      audio_role  = null
      invokes     = []
      memory      = "512Mi"
      concurrency = 80 # mostly open live feeds, each waiting on one shared listener
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

  deployed_functions = google_cloudfunctions2_function.function

  # The functions that call each function over HTTP: those whose `invokes` names it.
  callers = {
    for name, fn in local.functions :
    name => sort([for caller, other in local.functions : caller if contains(other.invokes, name)])
  }

  # Callers that are not functions, by the function they call: Cloud Scheduler's reminder job
  # calls hanok with an identity token of its own service account (scheduler.tf).
  other_callers = {
    hanok = [google_service_account.hanok_scheduler.email]
  }

  # Google Calendar is configured by setting its client id, and only then are its two secrets
  # mounted: the tools server takes all three credentials or none, and a mounted secret must
  # have a version, so an unused Calendar needs no secret values. SuiteCRM likewise: setting
  # its URL mounts its client secret on crm (and sets its plain settings), and its password
  # too when a username is set (the password grant; without a username crm uses the
  # client-credentials grant and refuses a password: functions/crm/suitecrm/settings.py). Unset, crm
  # uses its built-in backend and the SuiteCRM secrets need no values.
  calendar_secrets = ["CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET", "CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN"]
  suitecrm_secrets = ["CONVONET_SUITECRM_CLIENT_SECRET", "CONVONET_SUITECRM_PASSWORD"]
  unconfigured_secrets = concat(
    var.google_calendar_client_id == "" ? local.calendar_secrets : [],
    var.suitecrm_url == "" ? local.suitecrm_secrets : [],
    var.suitecrm_username == "" ? ["CONVONET_SUITECRM_PASSWORD"] : [],
  )
  function_secrets = {
    for name, fn in local.functions : name => [
      for secret in fn.secrets : secret if !contains(local.unconfigured_secrets, secret)
    ]
  }

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

  # An HTTP function checks the identity token of every request: minted for its own URL
  # (the audience its callers use: their CONVONET_<NAME>_URL without the endpoint) and
  # belonging to one of its callers' service accounts (the functions', then other_callers').
  # It is told both even while nobody calls it (an empty list, so it accepts no one).
  caller_environment = {
    for name, callers in local.callers : name => local.functions[name].push_topic != null ? {} : {
      "CONVONET_${upper(name)}_AUDIENCE" = local.service_urls[name]
      "CONVONET_${upper(name)}_ALLOWED_CALLERS" = join(",", concat(
        [for caller in callers : google_service_account.function[caller].email],
        lookup(local.other_callers, name, []),
      ))
    }
  }

  # Plain settings of one function (its secrets come from Secret Manager: function_secrets).
  own_environment = {
    agent_turn = {
      CONVONET_LLM_PROVIDER       = var.llm_provider
      CONVONET_AGENT_API_AUDIENCE = local.service_urls["agent_turn"]
      CONVONET_AGENT_PUSH_INVOKER = google_service_account.push_invoker.email
      CONVONET_AGENT_API_ALLOWED_CALLERS = join(",", [
        for caller in local.callers["agent_turn"] : google_service_account.function[caller].email
      ])
    }
    tools = var.google_calendar_client_id == "" ? {} : {
      CONVONET_GOOGLE_CALENDAR_CLIENT_ID = var.google_calendar_client_id
    }
    crm = var.suitecrm_url == "" ? {} : merge(
      {
        CONVONET_SUITECRM_URL       = var.suitecrm_url
        CONVONET_SUITECRM_CLIENT_ID = var.suitecrm_client_id
      },
      var.suitecrm_username == "" ? {} : { CONVONET_SUITECRM_USERNAME = var.suitecrm_username },
    )
    # Twilio signs each webhook over the URL it called, Hosting's; hanok checks the signature
    # against the same URL. Its REST credentials are optional: without them no reminder is
    # sent (the auth token, a secret, is mounted regardless: it checks the webhooks).
    # Operators sign in with Firebase Authentication of this project; the live feed is
    # opened at the function's own URL, from the pages' origin.
    operator = {
      CONVONET_FIREBASE_PROJECT_ID      = var.project_id
      CONVONET_OPERATOR_LIVE_URL        = local.service_urls["operator"]
      CONVONET_OPERATOR_ALLOWED_ORIGINS = var.hosting_url
      CONVONET_OPERATOR_FEED_SECONDS    = tostring(max(var.timeout_seconds - 30, 30))
    }
    hanok = merge(
      { CONVONET_HANOK_PUBLIC_URL = var.hosting_url },
      var.twilio_account_sid == "" ? {} : {
        TWILIO_ACCOUNT_SID = var.twilio_account_sid
        TWILIO_FROM_NUMBER = var.twilio_from_number
      },
    )
  }

  function_environment = {
    for name, fn in local.functions : name => merge(
      local.common_environment,
      fn.database ? local.database_environment : {},
      {
        for target in fn.invokes :
        "CONVONET_${upper(target)}_URL" => "${local.service_urls[target]}${local.functions[target].endpoint}"
      },
      local.caller_environment[name],
      lookup(local.own_environment, name, {}),
      lookup(var.extra_environment, name, {}),
    )
  }
}

data "google_project" "project" {
  project_id = var.project_id
}
