"""PIN hashing: an HMAC index to find the user, and a salted scrypt hash to verify the PIN.

Sign-in sends only a PIN (the original clients' protocol), so the user must be found from it.
An HMAC under a secret pepper finds the row without storing anything a stolen database could
reverse; the slow scrypt hash is what is verified, in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# scrypt cost: n=2**14, r=8 takes ~40 ms and 16 MiB per check; slow for a brute force, fast
# enough for one sign-in.
_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
_MAXMEM = 64 * 1024 * 1024


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pin_lookup(pin: str, pepper: bytes) -> bytes:
    return hmac.new(pepper, pin.encode(), hashlib.sha256).digest()


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_pin(pin: str, encoded: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        salt, expected = _unb64(salt_b64), _unb64(digest_b64)
        actual = hashlib.scrypt(
            pin.encode(),
            salt=salt,
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# Verified when no user matches, so a wrong PIN costs the same time as a right one.
_DUMMY_HASH = hash_pin("000000")


def burn_equal_time(pin: str) -> None:
    verify_pin(pin, _DUMMY_HASH)
