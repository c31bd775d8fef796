"""An MCP server of typed tools, as every domain service serves them (functions/tools,
functions/hanok): declaration (registry), dispatch with idempotent writes, the stateless HTTP
transport behind caller authentication, and a monitor record of every call."""
