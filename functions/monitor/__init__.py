"""The monitor function's own code."""
