"""Model ladders: shipped data, user overrides by family, bad files never crash."""

from __future__ import annotations

import json

import pytest

from tracker.core.timeutil import UTC
from tracker.services.ladders import load_ladders


@pytest.mark.parametrize(
    "model, cheaper",
    [
        ("claude-opus-4-5", ("claude-sonnet-4-5", "claude-haiku-4-5")),
        ("claude-opus-4-5-20251101", ("claude-sonnet-4-5", "claude-haiku-4-5")),
        ("CLAUDE-OPUS-4-5", ("claude-sonnet-4-5", "claude-haiku-4-5")),
        ("claude-opus-4-1", ("claude-sonnet-4-0", "claude-3-5-haiku-latest")),
        ("claude-sonnet-4-5", ("claude-haiku-4-5",)),
        ("claude-haiku-4-5", ()),
        ("gpt-5", ("gpt-5-mini", "gpt-5-nano")),
        ("gpt-5-mini", ("gpt-5-nano",)),
        ("gpt-5-nano", ()),
        ("gpt-5-codex", ("gpt-5-mini",)),
        ("gpt-5.1-codex", ("gpt-5-mini",)),
        ("gpt-5.3-codex", ("gpt-5-mini",)),
        ("gpt-5.1-codex-mini", ("gpt-5-nano",)),
        ("gpt-4.1", ("gpt-4.1-mini", "gpt-4.1-nano")),
        ("gpt-4.1-mini", ("gpt-4.1-nano",)),
        ("gpt-4.1-nano", ()),
        ("gemini-2.5-pro", ("gemini-2.5-flash", "gemini-2.5-flash-lite")),
        ("gemini-2.5-flash", ("gemini-2.5-flash-lite",)),
        ("gemini-2.5-flash-lite", ()),
    ],
)
def test_shipped_ladders(model, cheaper):
    ladders = load_ladders()
    assert ladders.warnings == []
    assert ladders.lookup(model).cheaper == cheaper


def test_unknown_models_have_no_ladder():
    assert load_ladders().lookup("deepseek/deepseek-chat") is None
    assert load_ladders().lookup("") is None


def test_every_shipped_rung_has_a_price(pricer):
    """Ladders hold names only; each suggested name must be one the pricing module knows."""
    ladders = load_ladders()
    at_ms = 1_790_000_000_000
    rungs = {(f.provider, r) for f in ladders.families for rule in f.rules for r in rule.cheaper}
    assert len(rungs) > 10
    missing = [r for p, r in rungs if pricer.resolve(r, p, at_ms) is None]
    assert missing == []


def test_user_family_overrides_by_name(config_dir):
    (config_dir / "ladders.json").write_text(json.dumps({"families": {
        "anthropic": {"provider": "anthropic", "rules": [{"match": ["claude-opus-*"], "cheaper": ["claude-haiku-4-5"]}]},
        "mine": {"rules": [{"match": "house-*", "cheaper": "gpt-5-nano"}]},
    }}))
    ladders = load_ladders(config_dir)
    assert ladders.warnings == []
    assert ladders.lookup("claude-opus-4-5").cheaper == ("claude-haiku-4-5",)
    # the user's anthropic family replaced the shipped one entirely ...
    assert ladders.lookup("claude-sonnet-4-5") is None
    # ... other shipped families stay, and new ones are added
    assert ladders.lookup("gpt-5").cheaper == ("gpt-5-mini", "gpt-5-nano")
    assert ladders.lookup("house-model").cheaper == ("gpt-5-nano",)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("{not json", "cannot read model ladders"),
        ("[1, 2]", "expected an object"),
        ('{"families": {"anthropic": {"rules": "claude"}}}', "needs a 'rules' list"),
        ('{"families": {"anthropic": {"rules": [{"match": [], "cheaper": []}]}}}', "skipping the rule"),
        ('{"families": {"anthropic": {"rules": [{"match": ["x"], "cheaper": [3]}]}}}', "skipping the rule"),
        (b"\xff\xfe\x00bad".decode("latin-1"), "cannot read model ladders"),
    ],
)
def test_bad_user_file_warns_and_keeps_shipped_ladders(config_dir, text, expected):
    (config_dir / "ladders.json").write_text(text, encoding="utf-8")
    ladders = load_ladders(config_dir)
    assert len(ladders.warnings) == 1 and expected in ladders.warnings[0]
    assert str(config_dir / "ladders.json") in ladders.warnings[0]
    assert ladders.lookup("gpt-5").cheaper == ("gpt-5-mini", "gpt-5-nano")


def test_bad_ladder_file_reaches_the_nudges_warnings(store, pricer, config_dir):
    from nudge_usage import NOW_MS, events, write

    from tracker.services import nudges

    (config_dir / "ladders.json").write_text("{oops")
    write(store, pricer, events(1200, 1200, NOW_MS - 28 * 86_400_000, 28))
    analysis = nudges.analyse(store, pricer, UTC, now=NOW_MS, ladders=load_ladders(config_dir))
    assert any("cannot read model ladders" in w for w in analysis.warnings)
    assert [n.suggested_model for n in analysis.nudges] == ["claude-sonnet-4-5"]
