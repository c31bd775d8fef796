"""The local stack: emulators, PostgreSQL, functions, relay and pages on one machine."""
