variable "project_id" {
  type        = string
  description = "Google Cloud project of this environment."
}

variable "region" {
  type        = string
  description = "Region of the functions, the relay, Cloud SQL and the buckets."
  default     = "us-central1"
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (multi-region such as nam5, or a region); fixed once the database exists."
  default     = "nam5"
}

variable "relay_image" {
  type        = string
  description = "Container image of the WebSocket relay to deploy."
}

variable "relay_max_instances" {
  type        = number
  description = "Upper bound on relay instances."
  default     = 2
}

variable "source_release" {
  type        = string
  description = "Folder in the function source bucket holding this release's <function>.zip bundles (for example a git commit)."
}

variable "llm_provider" {
  type        = string
  description = "Default LLM provider of agent_turn: rules, anthropic, openai or gemini."
  default     = "anthropic"
}

variable "public_http_functions" {
  type        = set(string)
  description = "More HTTP functions callable without a Google ID token (Twilio webhooks, Firebase Hosting rewrites), besides hanok, which is always; none by default, and never tools or crm."
  default     = []
}

variable "google_calendar_client_id" {
  type        = string
  description = "OAuth client id of the tools function's Google Calendar sync (not a secret); set it only once the google-calendar-* secrets have versions. Empty: Calendar off."
  default     = ""
}

variable "suitecrm_url" {
  type        = string
  description = "SuiteCRM of the crm function (https; https://<host>/legacy for SuiteCRM 8); set it only once suitecrm-client-secret (and, with suitecrm_username, suitecrm-password) has a version. Empty: crm uses its built-in PostgreSQL CRM."
  default     = ""
}

variable "suitecrm_client_id" {
  type        = string
  description = "OAuth client id of crm's SuiteCRM sign-in (not a secret); required with suitecrm_url."
  default     = ""
}

variable "suitecrm_username" {
  type        = string
  description = "SuiteCRM user of the password grant (not a secret; its password is suitecrm-password); empty: the client-credentials grant."
  default     = ""
}

variable "twilio_account_sid" {
  type        = string
  description = "Twilio account SID hanok sends reservation reminders through (not a secret; the twilio-auth-token secret needs a version in any case). Empty: no reminders sent."
  default     = ""
}

variable "twilio_from_number" {
  type        = string
  description = "Twilio number (E.164) hanok's reminders come from; required with twilio_account_sid."
  default     = ""
}

variable "db_tier" {
  type        = string
  description = "Cloud SQL machine tier."
  default     = "db-g1-small"
}

variable "db_password_version" {
  type        = number
  description = "Increase after adding a new version of the convonet-db-password secret, to apply it to the database user."
  default     = 1
}

variable "deletion_protection" {
  type        = bool
  description = "Protect Cloud SQL and Firestore from deletion; dev data is disposable."
  default     = false
}

variable "audio_retention_days" {
  type        = number
  description = "Days audio objects are kept."
  default     = 1
}

variable "hosting_site_id" {
  type        = string
  description = "Firebase Hosting site id; empty means the project id."
  default     = ""
}

variable "alert_email" {
  type        = string
  description = "Email address for alerts; empty creates the policies without notifications."
  default     = ""
}
