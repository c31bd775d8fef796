# Convonet, production environment. Same modules as dev; regional database, warm
# pipeline functions, deletion protection on.

locals {
  environment = "prod"
  labels = {
    app         = "convonet"
    environment = local.environment
  }
}

module "project_services" {
  source = "../../modules/project_services"

  project_id = var.project_id
}

module "secrets" {
  source = "../../modules/secrets"

  project_id = var.project_id
  labels     = local.labels

  depends_on = [module.project_services]
}

module "storage" {
  source = "../../modules/storage"

  project_id           = var.project_id
  location             = var.region
  audio_retention_days = var.audio_retention_days
  force_destroy        = false
  labels               = local.labels

  depends_on = [module.project_services]
}

module "pubsub" {
  source = "../../modules/pubsub"

  project_id = var.project_id
  labels     = local.labels

  depends_on = [module.project_services]
}

module "database" {
  source = "../../modules/database"

  project_id            = var.project_id
  region                = var.region
  tier                  = var.db_tier
  availability_type     = "REGIONAL"
  deletion_protection   = var.deletion_protection
  db_password_secret_id = module.secrets.secret_ids["CONVONET_DB_PASSWORD"]
  db_password_version   = var.db_password_version
  backups_retained      = 30

  firestore_point_in_time_recovery = true
  firestore_location               = var.firestore_location
  labels                           = local.labels

  depends_on = [module.project_services]
}

module "functions" {
  source = "../../modules/functions"

  project_id                = var.project_id
  region                    = var.region
  source_bucket             = module.storage.function_source_bucket
  source_release            = var.source_release
  topic_ids                 = module.pubsub.topic_ids
  dead_letter_topic_ids     = module.pubsub.dead_letter_topic_ids
  pubsub_service_agent      = module.pubsub.service_agent_email
  secret_ids                = module.secrets.secret_ids
  audio_bucket              = module.storage.audio_bucket
  db_connection_name        = module.database.connection_name
  db_name                   = module.database.database_name
  db_user                   = module.database.database_user
  llm_provider              = var.llm_provider
  public_http_functions     = var.public_http_functions
  google_calendar_client_id = var.google_calendar_client_id
  suitecrm_url              = var.suitecrm_url
  suitecrm_client_id        = var.suitecrm_client_id
  suitecrm_username         = var.suitecrm_username
  hosting_url               = module.hosting.default_url
  twilio_account_sid        = var.twilio_account_sid
  twilio_from_number        = var.twilio_from_number
  default_max_instances     = 50
  # The voice path stays warm: a cold start there is heard as silence.
  min_instances = var.function_min_instances
  labels        = local.labels

  depends_on = [module.project_services]
}

module "relay" {
  source = "../../modules/relay"

  project_id         = var.project_id
  region             = var.region
  image              = var.relay_image
  max_instances      = var.relay_max_instances
  topic_ids          = module.pubsub.topic_ids
  secret_ids         = module.secrets.secret_ids
  audio_bucket       = module.storage.audio_bucket
  db_connection_name = module.database.connection_name
  db_name            = module.database.database_name
  db_user            = module.database.database_user
  allowed_origins    = [module.hosting.default_url, "https://${module.hosting.site_id}.firebaseapp.com"]
  labels             = local.labels

  depends_on = [module.project_services]
}

module "hosting" {
  source = "../../modules/hosting"

  project_id = var.project_id
  site_id    = var.hosting_site_id

  depends_on = [module.project_services]
}

module "observability" {
  source = "../../modules/observability"

  project_id                     = var.project_id
  service_names                  = concat(values(module.functions.function_service_names), [module.relay.service_name])
  relay_service_name             = module.relay.service_name
  push_subscriptions             = module.functions.push_subscriptions
  dead_letter_hold_subscriptions = module.pubsub.dead_letter_hold_subscriptions
  alert_email                    = var.alert_email

  depends_on = [module.project_services]
}
