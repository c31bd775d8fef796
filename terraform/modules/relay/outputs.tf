output "url" {
  description = "HTTPS URL of the relay; clients connect to wss://<host>/webrtc/ws."
  value       = google_cloud_run_v2_service.relay.uri
}

output "websocket_url" {
  description = "WebSocket URL the voice page and Twilio Media Streams connect to."
  value       = "${replace(google_cloud_run_v2_service.relay.uri, "https://", "wss://")}/webrtc/ws"
}

output "service_name" {
  description = "Name of the relay's Cloud Run service (the service_name label in logs and metrics)."
  value       = google_cloud_run_v2_service.relay.name
}

output "service_account_email" {
  description = "Runtime service account of the relay."
  value       = google_service_account.relay.email
}
