"""The cryptography of team aggregation, from the `cryptography` package.

* Member keys: an Ed25519 key signs every file a member writes; an X25519 key
  agrees a pairwise secret with every other member of the roster.
* Masks: HKDF-SHA256 turns a secret into a ChaCha20 key whose keystream, read
  as 16-byte little-endian integers, is a mask vector modulo 2**128. Pairwise
  masks are added by one member of a pair and subtracted by the other, so they
  cancel in the team's sum; integers modulo 2**128 keep money exact.
* Shamir secret sharing over the prime field 2**127 - 1: a secret split into
  n shares is recovered from any t of them, and t - 1 shares say nothing.
* Shares travel sealed (ChaCha20-Poly1305) to the one member who holds them.

Nothing here reads files or settings; team_protocol.py says what is signed,
masked and shared, and why.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets as _random  # stdlib; aliased so the name cannot read as "our secrets"
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MODULUS = 2**128  # the ring the vectors are summed in
ELEMENT_BYTES = 16
FIELD = 2**127 - 1  # a Mersenne prime: Shamir shares and seeds are elements of GF(FIELD)
SEED_BYTES = 16
KEY_BYTES = 32
MEMBER_ID_HEX = 32
MAX_COMBINATIONS = 200  # share subsets tried when some revealed shares are wrong


class CryptoError(ValueError):
    """A key, signature or sealed share that does not check out."""


# -- encoding -----------------------------------------------------------------
def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, length: int | None = None) -> bytes:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError, AttributeError):
        raise CryptoError("not base64") from None
    if length is not None and len(data) != length:
        raise CryptoError(f"expected {length} bytes, found {len(data)}")
    return data


def canonical(doc: Mapping) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, ASCII."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def digest(doc: Mapping) -> str:
    return hashlib.sha256(canonical(doc)).hexdigest()


def pack(values: Iterable[int], width: int = ELEMENT_BYTES) -> bytes:
    return b"".join(v.to_bytes(width, "little") for v in values)


def unpack(data: bytes, width: int = ELEMENT_BYTES) -> list[int]:
    if len(data) % width:
        raise CryptoError(f"length {len(data)} is not a multiple of {width}")
    return [int.from_bytes(data[i:i + width], "little") for i in range(0, len(data), width)]


# -- keys ------------------------------------------------------------------------
def _raw_public(key) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(key) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def member_id(sign_public: bytes, mask_public: bytes) -> str:
    """A member's name in the team's files: a hash of its two public keys."""
    return hashlib.sha256(b"tracker team member|" + sign_public + mask_public).hexdigest()[:MEMBER_ID_HEX]


def key_fingerprint(sign_public: bytes) -> str:
    """The team key: a hash of the founder's signing key, given to members to pin."""
    return hashlib.sha256(b"tracker team founder|" + sign_public).hexdigest()[:MEMBER_ID_HEX]


@dataclass(frozen=True)
class SigningKey:
    private: bytes

    @classmethod
    def generate(cls) -> "SigningKey":
        return cls(_raw_private(Ed25519PrivateKey.generate()))

    @property
    def public(self) -> bytes:
        return _raw_public(Ed25519PrivateKey.from_private_bytes(self.private).public_key())

    def sign(self, data: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.private).sign(data)

    def __repr__(self) -> str:  # never print a private key by accident
        return "SigningKey(...)"


@dataclass(frozen=True)
class MemberKeys:
    """One member's two private keys (kept in keyring; only the public halves are written)."""

    sign: bytes
    mask: bytes

    @classmethod
    def generate(cls) -> "MemberKeys":
        return cls(_raw_private(Ed25519PrivateKey.generate()), _raw_private(X25519PrivateKey.generate()))

    @cached_property
    def sign_public(self) -> bytes:
        return SigningKey(self.sign).public

    @cached_property
    def mask_public(self) -> bytes:
        return _raw_public(X25519PrivateKey.from_private_bytes(self.mask).public_key())

    @cached_property
    def member(self) -> str:
        return member_id(self.sign_public, self.mask_public)

    def signer(self) -> SigningKey:
        return SigningKey(self.sign)

    def agree(self, other_mask_public: bytes) -> bytes:
        """The X25519 secret shared with another member (the same from both sides)."""
        try:
            return X25519PrivateKey.from_private_bytes(self.mask).exchange(
                X25519PublicKey.from_public_bytes(other_mask_public))
        except ValueError as exc:  # a low-order point: a tampered key
            raise CryptoError(f"unusable key exchange ({exc})") from None

    def to_text(self) -> str:
        return json.dumps({"sign": b64(self.sign), "mask": b64(self.mask)})

    @classmethod
    def from_text(cls, text: str) -> "MemberKeys":
        try:
            raw = json.loads(text)
            return cls(unb64(raw["sign"], KEY_BYTES), unb64(raw["mask"], KEY_BYTES))
        except (ValueError, KeyError, TypeError):
            raise CryptoError("the stored team member key is damaged") from None

    def __repr__(self) -> str:
        return f"MemberKeys(member={self.member!r})"


def verify(sign_public: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(sign_public).verify(signature, data)
        return True
    except (InvalidSignature, ValueError):
        return False


# -- derivation and masks ----------------------------------------------------------
def derive(secret: bytes, info: str, length: int = KEY_BYTES) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info.encode()).derive(secret)


def seed_from(secret: bytes, info: str) -> int:
    """A 126-bit seed (an element of the Shamir field) derived from a secret."""
    return int.from_bytes(derive(secret, info, SEED_BYTES), "little") >> 2


def random_seed() -> int:
    return _random.randbelow(FIELD)


def stream(seed: int, label: str, count: int) -> list[int]:
    """`count` pseudo-random elements modulo 2**128 from a seed (ChaCha20 keystream)."""
    key = derive(seed.to_bytes(SEED_BYTES, "little"), "tracker team stream|" + label)
    encryptor = Cipher(algorithms.ChaCha20(key, b"\0" * 16), mode=None).encryptor()
    return unpack(encryptor.update(b"\0" * (count * ELEMENT_BYTES)))


def commit(seed: int, context: str) -> str:
    """A binding, hiding commitment to a seed (seeds have >= 126 random bits)."""
    return hashlib.sha256(f"tracker team commit|{context}|{seed:032x}".encode()).hexdigest()[:32]


# -- sealed shares -------------------------------------------------------------------
def seal(key: bytes, plaintext: bytes, aad: str) -> bytes:
    nonce = _random.token_bytes(12)
    return nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad.encode())


def unseal(key: bytes, sealed: bytes, aad: str) -> bytes:
    if len(sealed) < 12 + 16:
        raise CryptoError("sealed share too short")
    try:
        return ChaCha20Poly1305(key).decrypt(sealed[:12], sealed[12:], aad.encode())
    except InvalidTag:
        raise CryptoError("a sealed share does not open: tampered, or not meant for this member") from None


# -- Shamir ----------------------------------------------------------------------------
def split(secret: int, xs: list[int], threshold: int) -> dict[int, int]:
    """Shares of `secret` at the points `xs` (distinct, non-zero); any `threshold` recover it."""
    if not 0 <= secret < FIELD:
        raise ValueError("secret outside the field")
    if not 1 <= threshold <= len(xs):
        raise ValueError("threshold must be between 1 and the number of shares")
    coefficients = [secret] + [_random.randbelow(FIELD) for _ in range(threshold - 1)]
    shares = {}
    for x in xs:
        y = 0
        for c in reversed(coefficients):  # Horner
            y = (y * x + c) % FIELD
        shares[x] = y
    return shares


def combine(shares: Mapping[int, int]) -> int:
    """The secret from shares {x: y} (Lagrange interpolation at 0); give exactly `threshold` shares."""
    secret = 0
    points = list(shares.items())
    for i, (xi, yi) in enumerate(points):
        num, den = 1, 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                num = num * (-xj) % FIELD
                den = den * (xi - xj) % FIELD
        secret = (secret + yi * num * pow(den, -1, FIELD)) % FIELD
    return secret


def recover(shares: Mapping[int, int], threshold: int, commitment: str, context: str) -> int | None:
    """The secret whose commitment matches, from any `threshold` of the shares (wrong ones are outvoted)."""
    if len(shares) < threshold:
        return None
    for tried, subset in enumerate(combinations(sorted(shares.items()), threshold)):
        if tried >= MAX_COMBINATIONS:
            return None
        secret = combine(dict(subset))
        if commit(secret, context) == commitment:
            return secret
    return None
