# Secret containers only. Values are added out of band, never through Terraform, so
# they do not land in state or in a plan:
#
#   printf '%s' "$VALUE" | gcloud secrets versions add <secret_id> --data-file=-
#
# Consumers reference the `latest` version; a rotation is a new version plus a new
# revision of the services that read it.

locals {
  # Environment variable the secret is exposed as => Secret Manager secret id.
  # CONVONET_OPERATOR_PASSWORD_HASH is read by no function (operators sign in with Firebase
  # Authentication); it is kept so an existing value is not destroyed.
  # CONVONET_OPERATOR_SESSION_KEY signs the operator API's sessions and live-feed tickets. TWILIO_AUTH_TOKEN is read by hanok (webhook
  # signatures, reminders), later by telephony too.
  secrets = {
    CONVONET_DB_PASSWORD                   = "convonet-db-password"
    CONVONET_PIN_PEPPER                    = "convonet-pin-pepper"
    CONVONET_OPERATOR_PASSWORD_HASH        = "convonet-operator-password-hash"
    CONVONET_OPERATOR_SESSION_KEY          = "convonet-operator-session-key"
    CONVONET_TOOLS_CALLER_KEY              = "convonet-tools-caller-key"
    CONVONET_GOOGLE_CALENDAR_CLIENT_SECRET = "google-calendar-client-secret"
    CONVONET_GOOGLE_CALENDAR_REFRESH_TOKEN = "google-calendar-refresh-token"
    CONVONET_SUITECRM_CLIENT_SECRET        = "suitecrm-client-secret"
    CONVONET_SUITECRM_PASSWORD             = "suitecrm-password"
    DEEPGRAM_API_KEY                       = "deepgram-api-key"
    ANTHROPIC_API_KEY                      = "anthropic-api-key"
    OPENAI_API_KEY                         = "openai-api-key"
    GEMINI_API_KEY                         = "gemini-api-key"
    TWILIO_AUTH_TOKEN                      = "twilio-auth-token"
  }
}

resource "google_secret_manager_secret" "secret" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = each.value
  labels    = var.labels

  replication {
    auto {}
  }
}
