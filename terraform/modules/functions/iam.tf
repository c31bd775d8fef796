# Least-privilege grants derived from the table in locals.tf. Grants are made on the
# narrowest resource that carries them (topic, secret, bucket, service); only Firestore
# and Cloud SQL client access are project-wide, because neither has a finer IAM resource.

locals {
  publisher_grants = merge([
    for name, fn in local.functions : {
      for topic in fn.publishes : "${name}/${topic}" => { function = name, topic = topic }
    }
  ]...)

  secret_grants = merge([
    for name, secrets in local.function_secrets : {
      for secret in secrets : "${name}/${secret}" => { function = name, secret = secret }
    }
  ]...)

  invoker_grants = merge([
    for name, fn in local.functions : {
      for target in fn.invokes : "${name}/${target}" => { caller = name, target = target }
    }
  ]...)

  firestore_functions = toset([for name, fn in local.functions : name if fn.firestore])
  database_functions  = toset([for name, fn in local.functions : name if fn.database])
  audio_functions     = { for name, fn in local.functions : name => fn.audio_role if fn.audio_role != null }
}

resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = local.publisher_grants

  project = var.project_id
  topic   = var.topic_ids[each.value.topic]
  role    = "roles/pubsub.publisher"
  member  = google_service_account.function[each.value.function].member
}

# A message that does not parse is dead-lettered by the handler itself, as the function's
# own service account, to the dead-letter topic of the topic it was pushed from.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.pushed_functions

  project = var.project_id
  topic   = var.dead_letter_topic_ids[each.value.push_topic]
  role    = "roles/pubsub.publisher"
  member  = google_service_account.function[each.key].member
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_grants

  project   = var.project_id
  secret_id = var.secret_ids[each.value.secret]
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function[each.value.function].member
}

resource "google_project_iam_member" "firestore_user" {
  for_each = local.firestore_functions

  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.function[each.key].member
}

# The operator API only reads what the monitor wrote (datastore.user would let it write).
resource "google_project_iam_member" "operator_firestore_reader" {
  project = var.project_id
  role    = "roles/datastore.viewer"
  member  = google_service_account.function["operator"].member
}

resource "google_project_iam_member" "cloudsql_client" {
  for_each = local.database_functions

  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = google_service_account.function[each.key].member
}

resource "google_storage_bucket_iam_member" "audio" {
  for_each = local.audio_functions

  bucket = var.audio_bucket
  role   = each.value
  member = google_service_account.function[each.key].member
}

# Function-to-function calls (agent_turn -> tools and hanok over MCP; the clinic tools in
# tools -> crm) carry an ID token of the caller's service account. These grants are the only
# run.invoker on tools and crm, which are never public (see var.public_http_functions); every
# called function checks the token's audience and account again itself
# (CONVONET_<NAME>_ALLOWED_CALLERS). hanok is public as well (below), so there the app's check
# is the guard, and this grant only keeps agent_turn's calls working should it ever stop being
# public.
resource "google_cloud_run_v2_service_iam_member" "caller" {
  for_each = local.invoker_grants

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.value.target].service_config[0].service
  role     = "roles/run.invoker"
  member   = google_service_account.function[each.value.caller].member
}

# HTTP functions reached from the internet by callers that cannot attach Google ID tokens:
# Twilio's webhooks and Firebase Hosting's rewrites (Hosting forwards a request without one).
# These allow unauthenticated invocation and authenticate every request at the application
# layer. They are those the table marks public (hanok: Twilio, and guests through Hosting;
# the table says how it checks each request), plus any listed in var.public_http_functions.
resource "google_cloud_run_v2_service_iam_member" "public" {
  for_each = toset(concat(
    [for name, fn in local.http_functions : name if fn.public],
    [for name in var.public_http_functions : name if contains(keys(local.http_functions), name)],
  ))

  project  = var.project_id
  location = var.region
  name     = local.deployed_functions[each.key].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Builds: the role Cloud Functions documents for a custom build service account, plus read
# access to the bundles.
resource "google_project_iam_member" "build" {
  for_each = toset([
    "roles/cloudbuild.builds.builder",
    "roles/logging.logWriter",
    "roles/artifactregistry.writer",
  ])

  project = var.project_id
  role    = each.key
  member  = google_service_account.build.member
}

resource "google_storage_bucket_iam_member" "build_source_reader" {
  bucket = var.source_bucket
  role   = "roles/storage.objectViewer"
  member = google_service_account.build.member
}
