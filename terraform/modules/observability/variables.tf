variable "project_id" {
  type        = string
  description = "Google Cloud project to monitor."
}

variable "service_names" {
  type        = list(string)
  description = "Cloud Run service names of every function and the relay; metrics and the dashboard are limited to them."
}

variable "relay_service_name" {
  type        = string
  description = "Cloud Run service name of the relay."
}

variable "push_subscriptions" {
  type        = map(string)
  description = "Push subscription names keyed by the function they feed."
}

variable "dead_letter_hold_subscriptions" {
  type        = map(string)
  description = "Dead-letter hold subscription names keyed by source topic; any message on them raises an alert."
}

variable "alert_email" {
  type        = string
  description = "Email address alerts are sent to; empty creates the alert policies without a notification channel."
  default     = ""
}

variable "error_alert_threshold" {
  type        = number
  description = "ERROR log entries from one service within 5 minutes above which the error alert fires."
  default     = 5
}
