resource "google_service_account" "relay" {
  project      = var.project_id
  account_id   = "convonet-relay"
  display_name = "Convonet WebSocket relay"
  description  = "Runtime identity of the WebSocket relay on Cloud Run."
}

# Anyone may open the socket: browsers and Twilio Media Streams cannot present a Google ID
# token. The relay authenticates every session itself (PIN, hashed with a pepper, with
# lockout) before it publishes anything.
resource "google_cloud_run_v2_service_iam_member" "public" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.relay.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_project_iam_member" "firestore_user" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = google_service_account.relay.member
}

resource "google_project_iam_member" "cloudsql_client" {
  project = var.project_id
  role    = "roles/cloudsql.client"
  member  = google_service_account.relay.member
}

# What the relay publishes (shared/topics.py PUBLISHES["relay"]): utterances, typed turns and
# session starts on voice-transcript (the agent greets the caller), and the caller's wait from
# end of input to first audio on monitor-events. Nothing it says itself.
resource "google_pubsub_topic_iam_member" "publisher" {
  for_each = toset(["voice-utterance", "voice-transcript", "monitor-events"])

  project = var.project_id
  topic   = var.topic_ids[each.key]
  role    = "roles/pubsub.publisher"
  member  = google_service_account.relay.member
}

resource "google_secret_manager_secret_iam_member" "relay" {
  for_each = toset(["CONVONET_DB_PASSWORD", "CONVONET_PIN_PEPPER"])

  project   = var.project_id
  secret_id = var.secret_ids[each.key]
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.relay.member
}

# Utterances over the inline limit are uploaded before the voice-utterance message.
resource "google_storage_bucket_iam_member" "audio_writer" {
  bucket = var.audio_bucket
  role   = "roles/storage.objectCreator"
  member = google_service_account.relay.member
}

# Each relay instance creates its own session-outbound subscription at start
# (session-outbound-relay-<id>, filtered on attributes.relay_id, expiring after a day
# idle) and deletes it on shutdown. Creating a subscription is checked on the project,
# so a custom role carries exactly the subscription permissions the relay uses, instead
# of roles/pubsub.editor. Attaching to the topic is granted on session-outbound alone.
resource "google_project_iam_custom_role" "relay_subscriptions" {
  project     = var.project_id
  role_id     = var.subscription_role_id
  title       = "Convonet relay outbound subscriptions"
  description = "Create, consume and delete the relay's per-instance session-outbound subscriptions."
  permissions = [
    "pubsub.subscriptions.consume",
    "pubsub.subscriptions.create",
    "pubsub.subscriptions.delete",
  ]
}

resource "google_project_iam_member" "relay_subscriptions" {
  project = var.project_id
  role    = google_project_iam_custom_role.relay_subscriptions.id
  member  = google_service_account.relay.member
}

resource "google_pubsub_topic_iam_member" "outbound_attach" {
  project = var.project_id
  topic   = var.topic_ids["session-outbound"]
  role    = "roles/pubsub.subscriber"
  member  = google_service_account.relay.member
}
