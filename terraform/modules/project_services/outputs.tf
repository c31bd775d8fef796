output "enabled_services" {
  description = "APIs enabled by this module; depend on this output to order resources after enablement."
  value       = sort([for service in google_project_service.service : service.service])
}
