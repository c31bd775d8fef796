"""The agent: a LangGraph graph over a chat model (an LLM, or the offline rules model) and tools."""
