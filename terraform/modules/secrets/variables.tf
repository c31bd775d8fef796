variable "project_id" {
  type        = string
  description = "Google Cloud project that holds the secrets."
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to every secret."
  default     = {}
}
