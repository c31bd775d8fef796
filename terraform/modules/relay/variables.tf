variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts the relay."
}

variable "region" {
  type        = string
  description = "Region of the relay's Cloud Run service."
}

variable "service_name" {
  type        = string
  description = "Name of the relay's Cloud Run service."
  default     = "websocket-relay"
}

variable "image" {
  type        = string
  description = "Container image of the relay (for example <region>-docker.pkg.dev/<project>/convonet/websocket-relay:<tag>)."
}

variable "runtime_environment" {
  type        = string
  description = "Value of CONVONET_ENV; production makes settings refuse missing or placeholder secrets."
  default     = "production"
}

variable "log_level" {
  type        = string
  description = "Value of CONVONET_LOG_LEVEL."
  default     = "INFO"
}

variable "min_instances" {
  type        = number
  description = "Instances kept warm; at least one, so the first call does not wait for a cold start."
  default     = 1

  validation {
    condition     = var.min_instances >= 1
    error_message = "The relay keeps at least one instance warm."
  }
}

variable "max_instances" {
  type        = number
  description = "Upper bound on relay instances."
  default     = 10
}

variable "max_connections_per_instance" {
  type        = number
  description = "Concurrent requests (open WebSockets) per instance."
  default     = 100
}

variable "cpu" {
  type        = string
  description = "CPU limit of a relay instance."
  default     = "1"
}

variable "memory" {
  type        = string
  description = "Memory limit of a relay instance."
  default     = "512Mi"
}

variable "topic_ids" {
  type        = map(string)
  description = "Pipeline topic ids keyed by topic name (output topic_ids of the pubsub module)."
}

variable "secret_ids" {
  type        = map(string)
  description = "Secret Manager secret ids keyed by environment variable name (output secret_ids of the secrets module)."
}

variable "audio_bucket" {
  type        = string
  description = "Name of the audio bucket (CONVONET_AUDIO_BUCKET)."
}

variable "db_connection_name" {
  type        = string
  description = "Cloud SQL connection name, mounted as a socket under /cloudsql."
}

variable "db_name" {
  type        = string
  description = "PostgreSQL database name (CONVONET_DB_NAME)."
}

variable "db_user" {
  type        = string
  description = "PostgreSQL user name (CONVONET_DB_USER)."
}

variable "subscription_role_id" {
  type        = string
  description = "Id of the custom role for the relay's outbound subscriptions (custom role ids stay reserved for 7 days after deletion)."
  default     = "convonetRelaySubscriptions"
}

variable "extra_environment" {
  type        = map(string)
  description = "Additional plain environment variables for the relay."
  default     = {}
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the service and its revisions."
  default     = {}
}

variable "allowed_origins" {
  type        = list(string)
  description = "Browser origins allowed to open the WebSocket (the Hosting site's URLs); clients that send no Origin are not browsers and are let through."
  default     = []
}
