# The WebSocket relay on Cloud Run. It holds browser and Twilio Media Streams sockets for
# up to an hour, so:
#   - the request timeout is the Cloud Run maximum (3600 s): a WebSocket is one request;
#   - session affinity keeps a reconnecting client on the instance that holds its session;
#   - one warm instance avoids a cold start on the first call;
#   - CPU stays allocated outside requests, so the outbound streaming pull keeps running.

locals {
  database_socket = "/cloudsql/${var.db_connection_name}"

  environment = merge(
    {
      CONVONET_ENV          = var.runtime_environment
      GOOGLE_CLOUD_PROJECT  = var.project_id
      CONVONET_RELAY_HOST   = "0.0.0.0"
      CONVONET_RELAY_PORT   = "8080"
      CONVONET_AUDIO_BUCKET = var.audio_bucket
      CONVONET_DB_HOST      = local.database_socket
      CONVONET_DB_NAME      = var.db_name
      CONVONET_DB_USER      = var.db_user
      CONVONET_LOG_LEVEL    = var.log_level
      # Cloud Run's front end appends the caller's address to X-Forwarded-For: one trusted hop.
      CONVONET_FORWARDED_FOR_TRUSTED_HOPS = "1"
      CONVONET_ALLOWED_ORIGINS            = join(",", var.allowed_origins)
    },
    var.extra_environment,
  )

  secret_environment = {
    CONVONET_DB_PASSWORD = var.secret_ids["CONVONET_DB_PASSWORD"]
    CONVONET_PIN_PEPPER  = var.secret_ids["CONVONET_PIN_PEPPER"]
  }
}

resource "google_cloud_run_v2_service" "relay" {
  project  = var.project_id
  location = var.region
  name     = var.service_name
  labels   = var.labels
  ingress  = "INGRESS_TRAFFIC_ALL"

  template {
    service_account                  = google_service_account.relay.email
    timeout                          = "3600s"
    session_affinity                 = true
    max_instance_request_concurrency = var.max_connections_per_instance
    labels                           = var.labels

    scaling {
      min_instance_count = var.min_instances
      max_instance_count = var.max_instances
    }

    containers {
      image = var.image

      ports {
        name           = "http1"
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = var.cpu
          memory = var.memory
        }
        cpu_idle          = false
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.environment

        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.secret_environment

        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value
              version = "latest"
            }
          }
        }
      }

      volume_mounts {
        name       = "cloudsql"
        mount_path = "/cloudsql"
      }

      startup_probe {
        tcp_socket {
          port = 8080
        }
        initial_delay_seconds = 0
        period_seconds        = 2
        failure_threshold     = 30
      }
    }

    volumes {
      name = "cloudsql"
      cloud_sql_instance {
        instances = [var.db_connection_name]
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  # A revision that cannot read its secrets fails to start.
  depends_on = [google_secret_manager_secret_iam_member.relay]
}
