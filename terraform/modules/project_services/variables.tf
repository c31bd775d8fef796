variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts Convonet."
}

variable "additional_services" {
  type        = set(string)
  description = "Extra APIs to enable beside the ones the platform needs (for example containerscanning.googleapis.com)."
  default     = []
}
