terraform {
  required_version = ">= 1.11"

  required_providers {
    google-beta = {
      source  = "hashicorp/google-beta"
      version = ">= 6.40, < 8.0"
    }
  }
}
