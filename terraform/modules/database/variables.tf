variable "project_id" {
  type        = string
  description = "Google Cloud project that hosts Cloud SQL and Firestore."
}

variable "region" {
  type        = string
  description = "Region of the Cloud SQL instance; keep it in the functions' region."
}

variable "instance_name" {
  type        = string
  description = "Name of the Cloud SQL instance."
  default     = "convonet-postgres"
}

variable "tier" {
  type        = string
  description = "Cloud SQL machine tier (for example db-g1-small for dev, db-custom-2-7680 for prod)."
  default     = "db-custom-1-3840"
}

variable "availability_type" {
  type        = string
  description = "ZONAL, or REGIONAL for a standby in a second zone."
  default     = "ZONAL"

  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.availability_type)
    error_message = "availability_type must be ZONAL or REGIONAL."
  }
}

variable "disk_size_gb" {
  type        = number
  description = "Initial disk size in GB; the disk grows automatically."
  default     = 10
}

variable "backup_start_time" {
  type        = string
  description = "Start of the daily backup window, HH:MM in UTC."
  default     = "03:00"
}

variable "backups_retained" {
  type        = number
  description = "Number of daily backups kept."
  default     = 14
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Cloud SQL instance and the Firestore database from deletion (Terraform and API level)."
  default     = true
}

variable "database_name" {
  type        = string
  description = "PostgreSQL database the application uses (CONVONET_DB_NAME)."
  default     = "convonet"
}

variable "database_user" {
  type        = string
  description = "Built-in PostgreSQL user the application logs in as (CONVONET_DB_USER)."
  default     = "convonet"
}

variable "db_password_secret_id" {
  type        = string
  description = "Secret Manager secret id holding the database user's password; its latest version is used."
}

variable "db_password_version" {
  type        = number
  description = "Increase after adding a new version of the password secret to apply it to the database user."
  default     = 1
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (a multi-region such as nam5, or a region); cannot change after creation."
}

variable "firestore_point_in_time_recovery" {
  type        = bool
  description = "Keep 7 days of Firestore point-in-time recovery."
  default     = false
}

variable "ttl_collections" {
  type        = list(string)
  description = "Collection groups whose documents are deleted after their expires_at timestamp."
  # The monitor's collections (functions/monitor/store.py) expire after
  # CONVONET_MONITOR_RETENTION_DAYS.
  default = [
    "sessions", "turns", "monitor_events", "monitor_turns", "monitor_tool_calls", "monitor_stats",
    "monitor_seen",
  ]
}

variable "labels" {
  type        = map(string)
  description = "Labels applied to the Cloud SQL instance."
  default     = {}
}
