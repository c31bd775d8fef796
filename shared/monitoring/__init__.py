"""What the monitor writes and the operator API reads: collection layout, the latency
histogram, and what is never stored (secrets)."""
