# Cloud Functions (2nd gen), Python 3.11, one per folder under functions/.
#
# Pub/Sub delivery: the four pipeline functions are plain HTTP functions with internal
# ingress, fed by push subscriptions this module creates (subscriptions.tf) with an OIDC
# token of a dedicated invoker. An Eventarc event_trigger would be shorter to write, but
# Eventarc then owns the subscription: we could not name it, turn on message ordering for
# agent-reply, or set our own dead-letter and retry policy. Functions Framework accepts
# the raw push envelope, so the handlers are the same either way.
#
# Source: `make bundle` writes dist/<function>.zip (the function folder plus shared/).
# Upload them under a release prefix and pass that prefix as source_release:
#   gcloud storage cp dist/*.zip gs://<source bucket>/<release>/
#
# Deploy order does not matter: callers connect to the functions they call lazily, so a first
# call made before an invoker grant propagates fails that one call, which the caller retries.

resource "google_cloudfunctions2_function" "function" {
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = local.service_names[each.key]
  description = "Convonet ${each.key}"
  labels      = merge(var.labels, { function = local.service_names[each.key] })

  build_config {
    runtime         = var.runtime
    entry_point     = each.value.entry_point
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket     = var.source_bucket
        object     = lookup(var.source_objects, each.key, "${var.source_release}/${each.key}.zip")
        generation = lookup(var.source_generations, each.key, null)
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.function[each.key].email
    ingress_settings                 = each.value.push_topic != null ? "ALLOW_INTERNAL_ONLY" : "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    available_memory                 = each.value.memory
    available_cpu                    = "1"
    max_instance_request_concurrency = each.value.concurrency
    min_instance_count               = lookup(var.min_instances, each.key, 0)
    max_instance_count               = lookup(var.max_instances, each.key, var.default_max_instances)
    # Pushed functions answer within the subscription's ack deadline; slower work is
    # redelivered and deduplicated by (turn_id, stage).
    timeout_seconds       = var.timeout_seconds
    environment_variables = local.function_environment[each.key]

    dynamic "secret_environment_variables" {
      for_each = toset(local.function_secrets[each.key])

      content {
        key        = secret_environment_variables.value
        project_id = var.project_id
        secret     = var.secret_ids[secret_environment_variables.value]
        version    = "latest"
      }
    }
  }

  # A revision that cannot read its secrets fails to deploy.
  depends_on = [
    google_secret_manager_secret_iam_member.accessor,
    google_project_iam_member.build,
    google_storage_bucket_iam_member.build_source_reader,
  ]
}
