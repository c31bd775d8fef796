"""The stt function's own code."""
