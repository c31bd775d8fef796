"""PIN hashing (salted scrypt) and the peppered HMAC lookup index."""

import hashlib
import hmac

import pytest

from shared import pins
from shared.pins import burn_equal_time, hash_pin, pin_lookup, verify_pin

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def hashed() -> str:
    return hash_pin("123456")


def test_hash_then_verify(hashed: str) -> None:
    assert verify_pin("123456", hashed) is True


@pytest.mark.parametrize(
    "wrong", ["123457", "654321", "12345", "1234567", "0123456", "", " 123456"]
)
def test_wrong_pin_is_false(hashed: str, wrong: str) -> None:
    assert verify_pin(wrong, hashed) is False


def test_encoded_hash_shape(hashed: str) -> None:
    scheme, n, r, p, salt, digest = hashed.split("$")
    assert (scheme, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert len(pins._unb64(salt)) == 16
    assert len(pins._unb64(digest)) == 32
    assert "123456" not in hashed


def test_same_pin_hashes_differ_by_salt(hashed: str) -> None:
    other = hash_pin("123456")
    assert other != hashed
    assert other.split("$")[4] != hashed.split("$")[4]
    assert verify_pin("123456", other)


def test_verification_uses_the_stored_parameters() -> None:
    # A hash made with other (cheaper) parameters still verifies: the cost lives in the string.
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"2468", salt=salt, n=2**4, r=2, p=1, dklen=16)
    encoded = f"scrypt$16$2$1${pins._b64(salt)}${pins._b64(digest)}"
    assert verify_pin("2468", encoded) is True
    assert verify_pin("2469", encoded) is False


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "garbage",
        "scrypt$1$2",
        "scrypt$16384$8$1$aa$bb$cc",
        "bcrypt$16384$8$1$c2FsdA$ZGlnZXN0",
        "scrypt$x$8$1$c2FsdA$ZGlnZXN0",
        "scrypt$16384$eight$1$c2FsdA$ZGlnZXN0",
        "scrypt$3$8$1$c2FsdA$ZGlnZXN0",  # n not a power of two
        "scrypt$16384$8$1$!!!$ZGlnZXN0",
        "scrypt$16384$8$1$c2FsdA$b",  # truncated base64
        "scrypt$16384$8$1$c2FsdA$",  # empty digest
        "scrypt$1048576$8$1$c2FsdA$ZGlnZXN0",  # beyond the memory limit
    ],
)
def test_malformed_encoded_string_is_false(encoded: str) -> None:
    assert verify_pin("1234", encoded) is False


def test_burn_equal_time_does_not_raise() -> None:
    assert burn_equal_time("1234") is None
    assert verify_pin("000000", pins._DUMMY_HASH)


def test_pin_lookup_is_hmac_sha256_under_the_pepper() -> None:
    value = pin_lookup("1234", b"pepper-a")
    assert value == hmac.new(b"pepper-a", b"1234", hashlib.sha256).digest()
    assert len(value) == 32
    assert pin_lookup("1234", b"pepper-a") == value  # deterministic: usable as an index


def test_pin_lookup_depends_on_pepper_and_pin() -> None:
    assert pin_lookup("1234", b"pepper-a") != pin_lookup("1234", b"pepper-b")
    assert pin_lookup("1234", b"pepper-a") != pin_lookup("1235", b"pepper-a")
    assert pin_lookup("1234", b"pepper-a") != hashlib.sha256(b"1234").digest()
