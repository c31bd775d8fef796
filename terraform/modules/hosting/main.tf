# Firebase Hosting serves hosting/ (the voice page, operator pages, documentation). This
# module creates the Firebase project link and the site; the content and the rewrites to
# the HTTP functions are deployed by `firebase deploy --only hosting` from firebase.json.

resource "google_firebase_project" "project" {
  provider = google-beta
  project  = var.project_id
}

resource "google_firebase_hosting_site" "site" {
  provider = google-beta
  project  = google_firebase_project.project.project
  site_id  = coalesce(var.site_id, var.project_id)
}
