output "site_id" {
  description = "Firebase Hosting site id (target of `firebase deploy --only hosting:<site_id>`)."
  value       = google_firebase_hosting_site.site.site_id
}

output "default_url" {
  description = "Default URL of the Hosting site (https://<site_id>.web.app)."
  value       = google_firebase_hosting_site.site.default_url
}
