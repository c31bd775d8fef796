"""The tts function's own code."""
