output "topic_ids" {
  description = "Topic resource ids (projects/<project>/topics/<name>) keyed by topic name."
  value       = { for name, topic in google_pubsub_topic.topic : name => topic.id }
}

output "topic_names" {
  description = "Names of the pipeline topics."
  value       = sort([for topic in google_pubsub_topic.topic : topic.name])
}

output "dead_letter_topic_ids" {
  description = "Dead-letter topic resource ids keyed by the name of the topic they serve."
  value       = { for name, topic in google_pubsub_topic.dead_letter : name => topic.id }
}

output "dead_letter_hold_subscriptions" {
  description = "Names of the pull subscriptions holding dead-lettered messages, keyed by source topic name."
  value       = { for name, subscription in google_pubsub_subscription.dead_letter_hold : name => subscription.name }
}

output "service_agent_email" {
  description = "Email of the project's Pub/Sub service agent (needs publisher on dead-letter topics and subscriber on source subscriptions)."
  value       = local.pubsub_service_agent
}
