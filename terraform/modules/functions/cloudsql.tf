# The google_cloudfunctions2_function resource has no Cloud SQL connection setting
# (hashicorp/terraform-provider-google#12578 and #20735). The connection is an attribute of
# the function's Cloud Run service, so it is attached there after every deploy of the
# function, the documented way for 2nd gen functions. It mounts the connector socket at
# /cloudsql/<connection name>, which is what CONVONET_DB_HOST points to.
#
# Needs gcloud on the machine running terraform apply.

resource "terraform_data" "cloudsql_connection" {
  for_each = local.database_functions

  triggers_replace = [
    local.deployed_functions[each.key].update_time,
    var.db_connection_name,
  ]

  provisioner "local-exec" {
    command = join(" ", [
      "gcloud run services update",
      local.deployed_functions[each.key].name,
      "--project=${var.project_id}",
      "--region=${var.region}",
      "--add-cloudsql-instances=${var.db_connection_name}",
      "--quiet",
    ])
  }
}
