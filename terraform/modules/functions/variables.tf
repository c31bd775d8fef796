variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts the functions."
}

variable "region" {
  type        = string
  description = "Region of the functions (their Cloud Run services)."
}

variable "runtime" {
  type        = string
  description = "Cloud Functions runtime of every function."
  default     = "python311"
}

variable "runtime_environment" {
  type        = string
  description = "Value of CONVONET_ENV; production makes settings refuse missing or placeholder secrets."
  default     = "production"

  validation {
    condition     = contains(["production", "test"], var.runtime_environment)
    error_message = "runtime_environment must be production or test (local is for the local stack only)."
  }
}

variable "log_level" {
  type        = string
  description = "Value of CONVONET_LOG_LEVEL."
  default     = "INFO"
}

variable "llm_provider" {
  type        = string
  description = "Default LLM provider of agent_turn (CONVONET_LLM_PROVIDER): rules, anthropic, openai or gemini."
  default     = "anthropic"

  validation {
    condition     = contains(["rules", "anthropic", "openai", "gemini"], var.llm_provider)
    error_message = "llm_provider must be one of rules, anthropic, openai, gemini."
  }
}

variable "source_bucket" {
  type        = string
  description = "Bucket holding the source bundles built by `make bundle`."
}

variable "source_release" {
  type        = string
  description = "Folder in the source bucket holding this release's bundles; each function uses <source_release>/<function>.zip."
}

variable "source_objects" {
  type        = map(string)
  description = "Per-function override of the bundle object name, keyed by function (for example { stt = \"hotfix/stt.zip\" })."
  default     = {}
}

variable "source_generations" {
  type        = map(string)
  description = "Per-function object generation to deploy, keyed by function; unset means the live generation."
  default     = {}
}

variable "topic_ids" {
  type        = map(string)
  description = "Pipeline topic ids keyed by topic name (output topic_ids of the pubsub module)."
}

variable "dead_letter_topic_ids" {
  type        = map(string)
  description = "Dead-letter topic ids keyed by source topic name (output dead_letter_topic_ids of the pubsub module)."
}

variable "pubsub_service_agent" {
  type        = string
  description = "Email of the project's Pub/Sub service agent."
}

variable "subscription_message_retention" {
  type        = string
  description = "How long the push subscriptions keep unacknowledged messages (duration)."
  default     = "86400s"
}

variable "secret_ids" {
  type        = map(string)
  description = "Secret Manager secret ids keyed by the environment variable they fill (output secret_ids of the secrets module)."
}

variable "audio_bucket" {
  type        = string
  description = "Name of the audio bucket (CONVONET_AUDIO_BUCKET)."
}

variable "db_connection_name" {
  type        = string
  description = "Cloud SQL connection name; database functions get CONVONET_DB_HOST=/cloudsql/<connection name>."
}

variable "db_name" {
  type        = string
  description = "PostgreSQL database name (CONVONET_DB_NAME)."
}

variable "db_user" {
  type        = string
  description = "PostgreSQL user name (CONVONET_DB_USER)."
}

variable "public_http_functions" {
  type        = set(string)
  description = "HTTP functions that allow unauthenticated invocation because callers cannot attach Google ID tokens (Twilio webhooks, Firebase Hosting rewrites), besides those the functions table marks public (hanok); they authenticate in the application. None by default."
  default     = []

  validation {
    condition     = length(setintersection(var.public_http_functions, ["stt", "agent_turn", "tts", "monitor", "tools", "crm"])) == 0
    error_message = "Pub/Sub-pushed functions (stt, agent_turn, tts, monitor), tools and crm (called only with their callers' identity tokens) are never public."
  }
}

variable "hosting_url" {
  type        = string
  description = "Base URL of the Firebase Hosting site (output default_url of the hosting module): where Twilio and guests reach hanok through Hosting's rewrites, and so the URL Twilio signs its webhooks over (hanok's CONVONET_HANOK_PUBLIC_URL)."

  validation {
    condition     = startswith(var.hosting_url, "https://") && !endswith(var.hosting_url, "/")
    error_message = "hosting_url must be an https:// URL without a trailing slash."
  }
}

variable "twilio_account_sid" {
  type        = string
  description = "Twilio account SID hanok sends reminders through (TWILIO_ACCOUNT_SID, not a secret; its auth token is the twilio-auth-token secret, which hanok always mounts to check webhook signatures). Empty: no reminders are sent."
  default     = ""

  validation {
    condition     = var.twilio_account_sid == "" || can(regex("^AC[0-9a-f]{32}$", var.twilio_account_sid))
    error_message = "twilio_account_sid must be empty or AC followed by 32 hexadecimal digits."
  }
}

variable "twilio_from_number" {
  type        = string
  description = "Twilio number (E.164) hanok's reminders are sent from (TWILIO_FROM_NUMBER); required with twilio_account_sid, unused without it."
  default     = ""

  validation {
    condition     = var.twilio_account_sid == "" || can(regex("^\\+[1-9][0-9]{6,14}$", var.twilio_from_number))
    error_message = "twilio_from_number must be an E.164 number (+14155550188) when twilio_account_sid is set."
  }
}

variable "google_calendar_client_id" {
  type        = string
  description = "OAuth client id of the tools function's Google Calendar sync (CONVONET_GOOGLE_CALENDAR_CLIENT_ID, not a secret). Set, it also mounts the google-calendar-client-secret and google-calendar-refresh-token secrets, which then need versions; empty leaves Calendar off and mounts neither."
  default     = ""
}

variable "suitecrm_url" {
  type        = string
  description = "Folder holding the Api/ of the SuiteCRM the crm function uses (CONVONET_SUITECRM_URL): https://<host>/legacy for SuiteCRM 8, the site root for 7. Set, it also mounts the suitecrm-client-secret secret (and suitecrm-password with suitecrm_username), which then need versions, and sets suitecrm_client_id and suitecrm_username; empty leaves crm on its built-in PostgreSQL backend and mounts neither."
  default     = ""

  validation {
    condition     = var.suitecrm_url == "" || startswith(var.suitecrm_url, "https://")
    error_message = "suitecrm_url must be empty or an https:// URL."
  }
}

variable "suitecrm_client_id" {
  type        = string
  description = "OAuth client id crm signs in to SuiteCRM with (CONVONET_SUITECRM_CLIENT_ID, not a secret); used only while suitecrm_url is set."
  default     = ""

  validation {
    condition     = var.suitecrm_url == "" || var.suitecrm_client_id != ""
    error_message = "suitecrm_client_id must be set when suitecrm_url is."
  }
}

variable "suitecrm_username" {
  type        = string
  description = "SuiteCRM user crm signs in as with the OAuth2 password grant (CONVONET_SUITECRM_USERNAME, not a secret; its password is the suitecrm-password secret, mounted only then); empty: the client-credentials grant, no password. Used only while suitecrm_url is set."
  default     = ""
}

variable "timeout_seconds" {
  type        = number
  description = "Request timeout of every function; keep it at the push subscriptions' 60 s ack deadline."
  default     = 60
}

variable "min_instances" {
  type        = map(number)
  description = "Minimum warm instances per function, keyed by function; unset means 0."
  default     = {}
}

variable "max_instances" {
  type        = map(number)
  description = "Maximum instances per function, keyed by function; unset means default_max_instances."
  default     = {}
}

variable "default_max_instances" {
  type        = number
  description = "Maximum instances of a function not listed in max_instances."
  default     = 20
}

variable "extra_environment" {
  type        = map(map(string))
  description = "Additional plain environment variables per function, keyed by function (for example provider defaults)."
  default     = {}
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the functions and subscriptions."
  default     = {}
}
