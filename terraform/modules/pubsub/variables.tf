variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts the topics."
}

variable "topic_message_retention" {
  type        = string
  description = "How long each pipeline topic keeps published messages, so a subscription can be sought back in time (duration, e.g. \"86400s\")."
  default     = "86400s"
}

variable "dead_letter_retention" {
  type        = string
  description = "How long dead-lettered messages are kept on the dead-letter topics and their hold subscriptions (duration, at most 7 days)."
  default     = "604800s"
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to every topic and subscription."
  default     = {}
}
