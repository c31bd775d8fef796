"""Local stand-ins for third-party services that speak the vendors' real wire formats.

Each fake is a small HTTP server on 127.0.0.1 that the vendor's own SDK can be pointed at, so the
provider code runs unchanged in tests; it records what it received for the tests to assert on.
"""
