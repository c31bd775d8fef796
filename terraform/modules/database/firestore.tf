# Firestore in native mode holds the live state of a conversation: sessions/{id},
# sessions/{id}/turns/{turn_id}, conversation memory, provider choices and monitor data.
# Sessions and turns carry an expires_at timestamp; TTL policies delete them after it.

resource "google_firestore_database" "default" {
  project     = var.project_id
  name        = "(default)"
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"

  point_in_time_recovery_enablement = var.firestore_point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = var.deletion_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = "ABANDON"
}

# TTL fields are exempt from single-field indexing (empty index_config): a timestamp that
# only grows is a write hotspot when indexed, and nothing queries by expiry.
resource "google_firestore_field" "ttl" {
  for_each = toset(var.ttl_collections)

  project    = var.project_id
  database   = google_firestore_database.default.name
  collection = each.key
  field      = "expires_at"

  ttl_config {}

  index_config {}
}

# Composite indexes for the queries that span documents:
#   turns of one session in order, across the collection group (agent monitor, screen pop);
#   a user's recent sessions (call-center page, memory lookup);
#   active sessions, most recently updated first (agent monitor).
resource "google_firestore_index" "turns_by_session" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "turns"
  query_scope = "COLLECTION_GROUP"

  fields {
    field_path = "session_id"
    order      = "ASCENDING"
  }

  fields {
    field_path = "created_at"
    order      = "ASCENDING"
  }
}

resource "google_firestore_index" "sessions_by_user" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "sessions"
  query_scope = "COLLECTION"

  fields {
    field_path = "user_id"
    order      = "ASCENDING"
  }

  fields {
    field_path = "created_at"
    order      = "DESCENDING"
  }

  # Firestore builds one index at a time per database; chaining avoids 409 conflicts.
  depends_on = [google_firestore_index.turns_by_session]
}

resource "google_firestore_index" "sessions_by_status" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "sessions"
  query_scope = "COLLECTION"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.sessions_by_user]
}

# The operator API's lists (functions/operator/reads.py): turns and executed tool calls, newest
# first, filtered on one field or several. One index per filter field and the time, in the
# order the query sorts; Firestore merges them for a query that filters on several fields.

resource "google_firestore_index" "monitor_turns_by_provider" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_turns"
  query_scope = "COLLECTION"

  fields {
    field_path = "providers.agent_turn.provider"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.sessions_by_status]
}

resource "google_firestore_index" "monitor_turns_by_domain" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_turns"
  query_scope = "COLLECTION"

  fields {
    field_path = "domain"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.monitor_turns_by_provider]
}

resource "google_firestore_index" "monitor_turns_by_user" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_turns"
  query_scope = "COLLECTION"

  fields {
    field_path = "user_id"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.monitor_turns_by_domain]
}

resource "google_firestore_index" "monitor_turns_by_status" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_turns"
  query_scope = "COLLECTION"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.monitor_turns_by_user]
}

resource "google_firestore_index" "monitor_turns_by_channel" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_turns"
  query_scope = "COLLECTION"

  fields {
    field_path = "channel"
    order      = "ASCENDING"
  }

  fields {
    field_path = "updated_at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.monitor_turns_by_status]
}

resource "google_firestore_index" "monitor_tool_calls_by_tool" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_tool_calls"
  query_scope = "COLLECTION"

  fields {
    field_path = "name"
    order      = "ASCENDING"
  }

  fields {
    field_path = "at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.monitor_turns_by_channel]
}

resource "google_firestore_index" "monitor_tool_calls_by_outcome" {
  project     = var.project_id
  database    = google_firestore_database.default.name
  collection  = "monitor_tool_calls"
  query_scope = "COLLECTION"

  fields {
    field_path = "outcome"
    order      = "ASCENDING"
  }

  fields {
    field_path = "at"
    order      = "DESCENDING"
  }

  depends_on = [google_firestore_index.monitor_tool_calls_by_tool]
}
