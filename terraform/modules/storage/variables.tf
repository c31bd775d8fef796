variable "project_id" {
  type        = string
  description = "Google Cloud project that owns the buckets."
}

variable "location" {
  type        = string
  description = "Bucket location; use the functions' region so audio never crosses regions."
}

variable "audio_bucket_name" {
  type        = string
  description = "Name of the audio bucket; empty means <project_id>-convonet-audio."
  default     = ""
}

variable "source_bucket_name" {
  type        = string
  description = "Name of the function source bucket; empty means <project_id>-convonet-function-source."
  default     = ""
}

variable "audio_retention_days" {
  type        = number
  description = "Days after which audio objects are deleted by the lifecycle rule."
  default     = 7

  validation {
    condition     = var.audio_retention_days >= 1
    error_message = "audio_retention_days must be at least 1."
  }
}

variable "source_retention_days" {
  type        = number
  description = "Days after which function source bundles are deleted (keep it longer than a release is rolled back to)."
  default     = 180
}

variable "source_versions_kept" {
  type        = number
  description = "Non-current generations of a source bundle kept before the oldest is deleted."
  default     = 5
}

variable "force_destroy" {
  type        = bool
  description = "Allow terraform destroy to delete buckets that still hold objects (dev only)."
  default     = false
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to every bucket."
  default     = {}
}

variable "container_repository_id" {
  type        = string
  description = "Id of the Artifact Registry Docker repository for the relay image."
  default     = "convonet"
}

variable "images_kept" {
  type        = number
  description = "Most recent image versions always kept by the repository cleanup policy."
  default     = 10
}
