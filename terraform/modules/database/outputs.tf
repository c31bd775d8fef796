output "connection_name" {
  description = "Cloud SQL connection name (<project>:<region>:<instance>); the socket is /cloudsql/<connection name>."
  value       = google_sql_database_instance.postgres.connection_name
}

output "instance_name" {
  description = "Name of the Cloud SQL instance."
  value       = google_sql_database_instance.postgres.name
}

output "database_name" {
  description = "Name of the application database."
  value       = google_sql_database.convonet.name
}

output "database_user" {
  description = "Name of the application database user."
  value       = google_sql_user.app.name
}

output "firestore_database" {
  description = "Name of the Firestore database."
  value       = google_firestore_database.default.name
}
