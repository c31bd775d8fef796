# Hanok Table's reminders. Every 15 minutes Cloud Scheduler POSTs to hanok's reminders webhook,
# which sends each guest whose reservation is due a reminder a message through Twilio's REST
# API (the job is paused while twilio_account_sid is empty). A reminder is claimed in the
# database before it is sent, so overlapping or repeated runs send it once; a run that fails is
# not retried by the job, the next run 15 minutes later picks up what it left.
#
# The job signs its request with an OIDC identity token of its own service account, minted for
# hanok's URL: the audience hanok checks (CONVONET_HANOK_AUDIENCE; Cloud Scheduler's default
# audience would be the whole target URL, path included). hanok is public at the IAM level
# (locals.tf), so Cloud Run lets the request through whatever it carries; the app accepts it
# only with a token of an account in CONVONET_HANOK_ALLOWED_CALLERS, which lists this one
# (local.other_callers). That is the account's only power: it holds no grant at all.
#
# Cloud Scheduler mints the token as its service agent, which gets the role that lets it do so
# (roles/cloudscheduler.serviceAgent) when the API is enabled (project_services; a project that
# enabled it before March 2019 grants that role by hand). Whoever applies needs
# iam.serviceAccounts.actAs on the account, as for every function's runtime account.

resource "google_service_account" "hanok_scheduler" {
  project      = var.project_id
  account_id   = "convonet-hanok-scheduler"
  display_name = "Convonet Hanok reminder scheduler"
  description  = "Identity Cloud Scheduler signs its calls of hanok's reminders webhook with; an allowed caller of hanok, with no IAM grant."
}

resource "google_cloud_scheduler_job" "hanok_reminders" {
  project          = var.project_id
  region           = var.region
  name             = "convonet-hanok-reminders"
  description      = "Hanok Table: send the reservation reminders that are due (POST /webhooks/hanok_table/reminders)."
  schedule         = "*/15 * * * *"
  time_zone        = "Etc/UTC"
  attempt_deadline = "${var.timeout_seconds}s"
  # Without Twilio's REST credentials hanok sends no reminder (it answers 503
  # twilio_not_configured): the job waits, paused, until they are set.
  paused = var.twilio_account_sid == ""

  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = "${local.service_urls["hanok"]}/webhooks/hanok_table/reminders"

    oidc_token {
      service_account_email = google_service_account.hanok_scheduler.email
      audience              = local.service_urls["hanok"]
    }
  }
}
