"""Which address a connection comes from, for budgets and limits.

Behind Google's front end the relay sees the proxy, not the caller. The proxy *appends* the
address it saw to ``X-Forwarded-For``; everything to the left of that came from the client and
can say anything. So the caller's address is the entry ``trusted_hops`` from the right, and
only if it parses as an address. IPv6 callers are keyed by their /64: one host usually holds a
whole /64, and keying single addresses would hand it 2**64 fresh budgets.
"""

from __future__ import annotations

import ipaddress
import logging

from websocket_relay.limits import LogThrottle

log = logging.getLogger(__name__)
_misconfigured = LogThrottle(interval=300.0)


def budget_key(address: str) -> str | None:
    """The address as a budget key (IPv6 by /64), or None if it is not an address."""
    text = address.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)


def forwarded_address(header_values: list[str], trusted_hops: int) -> str | None:
    """The entry our trusted proxies appended, or None when the header cannot hold it."""
    if trusted_hops <= 0:
        return None
    entries = [e.strip() for value in header_values for e in value.split(",")]
    entries = [e for e in entries if e]
    if len(entries) < trusted_hops:
        return None
    return budget_key(entries[-trusted_hops])


def client_source(peer: str | None, header_values: list[str], trusted_hops: int) -> str:
    if trusted_hops > 0:
        forwarded = forwarded_address(header_values, trusted_hops)
        if forwarded is not None:
            return forwarded
        # Our proxy always appends an address, so this is a misconfiguration, not an attack.
        log.warning(
            "X-Forwarded-For lacks the address the trusted proxy appends; using the peer",
            extra={
                "trusted_hops": trusted_hops,
                "entries": sum(v.count(",") + 1 for v in header_values),
            },
        )
    return budget_key(peer or "") or "unknown"
