"""Receipt codes and the keys derived from them.

A receipt code is 21 decimal digits: an 8-digit *locator* (public: it names the complaint on the
server), 12 *secret* digits and one check digit computed with the Damm algorithm over the first
20. The Damm check digit catches every single-digit error and every transposition of two
neighbouring digits, the two mistakes people make most when copying or recalling numbers. The code
is shown in groups of four: ``1234 5678 9012 3456 7890 1``.

From the secret digits and a per-complaint random salt, Argon2id (at or above OWASP's minimum:
19 MiB, two passes, one lane) derives 64 bytes: the first 32 are the *lookup token* (the server
stores only its SHA-256 and so never learns the code), the next 32 the X25519 secret of the
*reply identity*, an age identity to which officers seal their replies so that only the holder of
the code can read them. The same derivation runs in the relatives' browser form (hash-wasm), so
these parameters are part of the protocol: changing them orphans every receipt already given out.

The code itself is never stored, logged or put in the outbox; only its locator travels.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import NamedTuple

import pyrage
from argon2.low_level import Type, hash_secret_raw

LOCATOR_DIGITS = 8
SECRET_DIGITS = 12
CODE_DIGITS = LOCATOR_DIGITS + SECRET_DIGITS + 1
GROUP = 4
SALT_BYTES = 16

# Argon2id, OWASP Password Storage Cheat Sheet minimum (m=19 MiB, t=2, p=1).
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1
ARGON2_OUTPUT = 64

# The Damm algorithm's quasigroup of order 10 (weakly totally anti-symmetric; Damm 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

# What a person may type between digits: spaces of any kind and the dashes a keyboard produces.
_SEPARATORS = frozenset(" \t\n\r\u00a0\u202f\u2009-\u2010\u2011\u2012\u2013\u2014\u2212")


def damm_digit(digits: str) -> str:
    """The Damm check digit of a string of ASCII digits."""
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return str(interim)


class ReceiptError(ValueError):
    """A receipt code that cannot be read, saying precisely why.

    ``reason`` is one of ``empty``, ``character``, ``length``, ``check``; ``position`` (1-based,
    counting everything typed) and ``character`` name a bad character, ``count`` the digits found,
    so a page can say it in the reader's language.
    """

    def __init__(self, reason: str, message: str, *, position: int | None = None,
                 character: str | None = None, count: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.position = position
        self.character = character
        self.count = count


@dataclass(frozen=True, slots=True)
class Receipt:
    locator: str
    secret: str

    def __post_init__(self) -> None:
        if len(self.locator) != LOCATOR_DIGITS or not _ascii_digits(self.locator):
            raise ValueError(f"a locator is {LOCATOR_DIGITS} digits")
        if len(self.secret) != SECRET_DIGITS or not _ascii_digits(self.secret):
            raise ValueError(f"the secret part is {SECRET_DIGITS} digits")

    @property
    def digits(self) -> str:
        """All 21 digits, check digit last."""
        body = self.locator + self.secret
        return body + damm_digit(body)

    @property
    def grouped(self) -> str:
        """The code as shown to people: groups of four separated by spaces."""
        return group(self.digits)

    def __repr__(self) -> str:  # never print the secret by accident (tracebacks, logs)
        return f"Receipt(locator={self.locator!r}, secret=<hidden>)"

    __str__ = __repr__


def _ascii_digits(text: str) -> bool:
    return all("0" <= ch <= "9" for ch in text)


def group(digits: str) -> str:
    return " ".join(digits[i:i + GROUP] for i in range(0, len(digits), GROUP))


def new_receipt() -> Receipt:
    """A fresh receipt from the system's CSPRNG."""
    return Receipt(
        locator="".join(secrets.choice("0123456789") for _ in range(LOCATOR_DIGITS)),
        secret="".join(secrets.choice("0123456789") for _ in range(SECRET_DIGITS)),
    )


def new_salt() -> bytes:
    return secrets.token_bytes(SALT_BYTES)


def parse(text: str) -> Receipt:
    """Read a receipt code as typed: digits with any spaces or dashes between them.

    Raises ReceiptError naming the first character that is neither, a wrong number of digits,
    or a check digit that does not match (a mistyped digit or two swapped neighbours).
    """
    digits: list[str] = []
    for position, ch in enumerate(text, start=1):
        if "0" <= ch <= "9":
            digits.append(ch)
        elif ch not in _SEPARATORS:
            raise ReceiptError(
                "character", f"character {position} ({ch!r}) is not a digit; "
                "a receipt code has only digits, spaces and dashes",
                position=position, character=ch)
    if not digits:
        raise ReceiptError("empty", "no receipt code was entered", count=0)
    if len(digits) != CODE_DIGITS:
        raise ReceiptError(
            "length", f"the code has {len(digits)} digits; a receipt code has {CODE_DIGITS}",
            count=len(digits))
    code = "".join(digits)
    if damm_digit(code) != "0":  # the Damm digit of a valid code followed by its check digit is 0
        raise ReceiptError(
            "check", "the check digit does not match: a digit is mistyped or two neighbouring "
            "digits are swapped", count=len(digits))
    return Receipt(locator=code[:LOCATOR_DIGITS], secret=code[LOCATOR_DIGITS:LOCATOR_DIGITS + SECRET_DIGITS])


# --- key derivation ------------------------------------------------------------------------------

class Derived(NamedTuple):
    lookup_token: bytes
    reply_identity: pyrage.x25519.Identity

    @property
    def lookup_digest(self) -> str:
        """What the server stores: hex SHA-256 of the lookup token."""
        return lookup_digest(self.lookup_token)

    @property
    def reply_recipient(self) -> str:
        """The reply identity's public key, ``age1...``."""
        return str(self.reply_identity.to_public())

    def __repr__(self) -> str:
        return f"Derived(lookup_digest={self.lookup_digest[:12]}..., reply_recipient={self.reply_recipient})"


def derive(secret_digits: str, salt: bytes) -> Derived:
    """Argon2id(secret digits, salt) -> (32-byte lookup token, age X25519 reply identity)."""
    if len(secret_digits) != SECRET_DIGITS or not _ascii_digits(secret_digits):
        raise ValueError(f"the secret part is {SECRET_DIGITS} digits")
    if len(salt) != SALT_BYTES:
        raise ValueError(f"the salt is {SALT_BYTES} bytes")
    out = hash_secret_raw(
        secret=secret_digits.encode("ascii"), salt=salt, time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM, hash_len=ARGON2_OUTPUT,
        type=Type.ID,
    )
    return Derived(out[:32], x25519_identity(out[32:]))


def lookup_digest(lookup_token: bytes) -> str:
    return hashlib.sha256(lookup_token).hexdigest()


def x25519_identity(scalar: bytes) -> pyrage.x25519.Identity:
    """The age X25519 identity whose secret scalar is these 32 bytes.

    age writes an X25519 identity as Bech32 (BIP 173, not Bech32m) with the human-readable part
    ``age-secret-key-``, upper-cased; the scalar is used as is (X25519 clamps it when it is used).
    """
    if len(scalar) != 32:
        raise ValueError("an X25519 secret is 32 bytes")
    return pyrage.x25519.Identity.from_str(bech32_encode("age-secret-key-", scalar).upper())


# Bech32 (BIP 173), encoding only: pyrage parses identities from text but builds them only at
# random, and this is the one place that needs it.
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= _GENERATOR[i] if (top >> i) & 1 else 0
    return chk


def bech32_encode(hrp: str, data: bytes) -> str:
    words: list[int] = []
    acc = bits = 0
    for byte in data:  # 8-bit bytes to 5-bit words, zero-padded at the end
        acc = (acc << 8) | byte
        bits += 8
        while bits >= 5:
            bits -= 5
            words.append((acc >> bits) & 31)
    if bits:
        words.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    polymod = _polymod(expanded + words + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[w] for w in words + checksum)
