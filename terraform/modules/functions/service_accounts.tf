# One runtime identity per function, so each one holds only the grants in locals.tf.
# None of them is the Compute Engine default service account.

resource "google_service_account" "function" {
  for_each = local.functions

  project      = var.project_id
  account_id   = "convonet-fn-${local.service_names[each.key]}"
  display_name = "Convonet function ${each.key}"
  description  = "Runtime identity of the ${each.key} Cloud Function."
}

# Identity Pub/Sub signs push requests with (OIDC). It can invoke the pushed functions
# and nothing else.
resource "google_service_account" "push_invoker" {
  project      = var.project_id
  account_id   = "convonet-push-invoker"
  display_name = "Convonet Pub/Sub push invoker"
  description  = "Signs Pub/Sub push requests to the pipeline functions."
}

# Identity Cloud Build uses to build the function containers. It never runs application
# code and holds no application grants.
resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "convonet-fn-build"
  display_name = "Convonet function builds"
  description  = "Builds Cloud Functions source bundles into containers."
}
