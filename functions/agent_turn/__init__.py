"""The agent_turn function's own code."""
