"""The primitives under team aggregation: Shamir shares, masks that cancel, signatures, sealed shares."""

from __future__ import annotations

import pytest

from tracker.services import team_crypto as tc


def test_any_threshold_of_shares_recovers_the_secret_and_fewer_do_not():
    secret = tc.random_seed()
    shares = tc.split(secret, [1, 2, 3, 4, 5, 6, 7], 4)
    assert tc.combine({x: shares[x] for x in (1, 3, 5, 7)}) == secret
    assert tc.combine({x: shares[x] for x in (2, 4, 6, 7)}) == secret
    # three shares fit a different secret for every value of a fourth: they pin nothing
    assert tc.combine({x: shares[x] for x in (1, 2, 3)}) != secret


def test_recover_outvotes_a_wrong_share_with_the_commitment():
    secret = tc.random_seed()
    shares = tc.split(secret, [1, 2, 3, 4, 5], 3)
    commitment = tc.commit(secret, "ctx")
    bad = dict(shares) | {2: (shares[2] + 1) % tc.FIELD}
    assert tc.recover(bad, 3, commitment, "ctx") == secret
    assert tc.recover({1: shares[1], 2: bad[2]}, 3, commitment, "ctx") is None  # too few


def test_pairwise_masks_cancel_in_the_sum_and_hide_each_part():
    a, b, c = (tc.MemberKeys.generate() for _ in range(3))
    assert a.agree(b.mask_public) == b.agree(a.mask_public)
    figures = {a: 5, b: 7, c: 11}
    pairs = [(a, b), (a, c), (b, c)]
    masked = dict.fromkeys(figures, 0)
    for x, y in pairs:
        seed = tc.seed_from(x.agree(y.mask_public), "week")
        mask = tc.stream(seed, "pair", 1)[0]
        masked[x] += mask
        masked[y] -= mask
    masked = {m: (figures[m] + masked[m]) % tc.MODULUS for m in figures}
    assert sum(masked.values()) % tc.MODULUS == 23
    assert all(masked[m] != figures[m] for m in figures)


def test_signatures_and_sealed_shares_check_out_only_unchanged():
    keys = tc.MemberKeys.generate()
    signature = keys.signer().sign(b"payload")
    assert tc.verify(keys.sign_public, signature, b"payload")
    assert not tc.verify(keys.sign_public, signature, b"payloaD")
    key = tc.derive(b"k" * 32, "info")
    sealed = tc.seal(key, b"share", "aad")
    assert tc.unseal(key, sealed, "aad") == b"share"
    with pytest.raises(tc.CryptoError):
        tc.unseal(key, sealed, "other aad")
    with pytest.raises(tc.CryptoError):
        tc.unseal(key, sealed[:-1] + bytes([sealed[-1] ^ 1]), "aad")


def test_keys_are_never_printed():
    keys = tc.MemberKeys.generate()
    assert tc.b64(keys.sign) not in repr(keys) and tc.b64(keys.mask) not in repr(keys)
    assert "SigningKey(...)" == repr(tc.SigningKey.generate())
    assert tc.MemberKeys.from_text(keys.to_text()) == keys
