variable "project_id" {
  type        = string
  description = "Google Cloud project to add Firebase to."
}

variable "site_id" {
  type        = string
  description = "Firebase Hosting site id (the <site_id>.web.app subdomain); empty means the project id."
  default     = ""
}
