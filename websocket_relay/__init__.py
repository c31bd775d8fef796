"""The WebSocket relay: authenticates callers, publishes their turns, forwards what comes back."""
