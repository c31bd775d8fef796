# PostgreSQL 15 for application data (users and hashed PINs, productivity, mortgage,
# healthcare, Hanok Table, built-in CRM). Schemas are created by the project's SQL
# migrations, not here.
#
# Services connect through the Cloud SQL connector socket at /cloudsql/<connection name>
# with a built-in user. Its password lives only in Secret Manager: it is read as an
# ephemeral value and written through a write-only argument, so it is in neither the plan
# nor the state. Add a version to the secret before the first apply, and bump
# db_password_version after adding a new one to rotate the database side.

resource "google_sql_database_instance" "postgres" {
  project          = var.project_id
  name             = var.instance_name
  region           = var.region
  database_version = "POSTGRES_15"

  deletion_protection = var.deletion_protection

  settings {
    tier                        = var.tier
    edition                     = "ENTERPRISE"
    availability_type           = var.availability_type
    disk_type                   = "PD_SSD"
    disk_size                   = var.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = var.deletion_protection
    user_labels                 = var.labels

    backup_configuration {
      enabled                        = true
      start_time                     = var.backup_start_time
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = 7

      backup_retention_settings {
        retained_backups = var.backups_retained
        retention_unit   = "COUNT"
      }
    }

    ip_configuration {
      # Public IP with no authorised networks: only the Cloud SQL connector (IAM-checked,
      # TLS) can reach the instance. A private-IP setup needs a VPC and is not worth it yet.
      ipv4_enabled = true
      ssl_mode     = "ENCRYPTED_ONLY"
    }

    maintenance_window {
      day          = 7
      hour         = 4
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      record_application_tags = false
      record_client_address   = false
    }

    database_flags {
      name  = "log_min_duration_statement"
      value = "500"
    }
  }
}

resource "google_sql_database" "convonet" {
  project  = var.project_id
  instance = google_sql_database_instance.postgres.name
  name     = var.database_name
}

ephemeral "google_secret_manager_secret_version" "db_password" {
  project = var.project_id
  secret  = var.db_password_secret_id
  version = "latest"
}

resource "google_sql_user" "app" {
  project  = var.project_id
  instance = google_sql_database_instance.postgres.name
  name     = var.database_user
  type     = "BUILT_IN"

  password_wo         = ephemeral.google_secret_manager_secret_version.db_password.secret_data
  password_wo_version = var.db_password_version
}
