"""SHA-1 and BLAKE2b hex digests without hashlib's start-up.

`import hashlib` loads OpenSSL (~2-4 ms) before it hands out anything, and a
`tracker import` after a small append needs only two digests (the head of the
file it resumes, the price files' identity). CPython's own implementations of
both algorithms are built-in modules that load in ~0.2 ms, and hashlib itself
uses the built-in BLAKE2. The digests are the algorithms' (tests compare them
with hashlib's); where a build lacks a built-in module, hashlib serves.
"""

from __future__ import annotations

try:
    from _sha1 import sha1 as _sha1
except ImportError:  # pragma: no cover (a Python built without it)
    _sha1 = None
try:
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover
    _blake2b = None


def sha1_hex(data: bytes) -> str:
    if _sha1 is None:  # pragma: no cover
        import hashlib

        return hashlib.sha1(data).hexdigest()
    return _sha1(data).hexdigest()


def blake2b_hex(data: bytes, digest_size: int) -> str:
    if _blake2b is None:  # pragma: no cover
        import hashlib

        return hashlib.blake2b(data, digest_size=digest_size).hexdigest()
    return _blake2b(data, digest_size=digest_size).hexdigest()
