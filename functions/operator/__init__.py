"""The operator API: what the monitor, tool-execution and mortgage pages read, and sign-in."""
