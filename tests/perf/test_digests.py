"""tracker.core.digests gives hashlib's digests, without loading hashlib (OpenSSL) for them."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.perf.test_lazy_cli import _modules_after
from tracker.core.digests import blake2b_hex, sha1_hex


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096), st.integers(min_value=1, max_value=64))
def test_the_digests_are_hashlibs(data, size):
    assert sha1_hex(data) == hashlib.sha1(data).hexdigest()
    assert blake2b_hex(data, size) == hashlib.blake2b(data, digest_size=size).hexdigest()


def test_the_digests_load_no_hashlib():
    loaded = _modules_after("from tracker.core.digests import sha1_hex, blake2b_hex\n"
                            "sha1_hex(b'x'); blake2b_hex(b'x', 8)")
    assert "tracker.core.digests" in loaded and not {"hashlib", "_hashlib"} & loaded
