"""Price classes beyond the token classes: fast mode, server tools, audio and image tokens.

Each is priced from the library's data where it has a rate, from the shipped
overrides (with their source) where it does not, and otherwise named as left
out ("partly priced"): never priced as something cheaper in silence.
"""

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from tracker.core.money import usd_to_pico
from tracker.core.tokens import Tokens
from tracker.core.units import BadUnits, clean_units
from tracker.paths import resource_path
from tracker.pricing import Pricer
from tracker.pricing.linear import UNIT_PRICE_KEYS


def ms(*args):
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


JUNE = ms(2026, 6, 1)
ONE_REQUEST = Tokens(input_tokens=1000, cache_read_tokens=20_000, cache_write_5m_tokens=500, output_tokens=800)


def usd(text: str) -> int:
    return usd_to_pico(Decimal(text))


def test_fast_mode_on_opus_4_6_is_six_times_the_standard_price(pricer):
    standard = pricer.price(ONE_REQUEST, "claude-opus-4-6", "anthropic", JUNE)
    fast = pricer.price(ONE_REQUEST, "claude-opus-4-6", "anthropic", JUNE, speed="fast")
    # $30 / $150 per MTok, cache reads $3, 5-minute writes $37.50 (the caching multipliers on top)
    assert fast.cost_pico == usd("0.030") + usd("0.060") + usd("0.01875") + usd("0.120") == 6 * standard.cost_pico
    assert fast.partly is None and fast.price_id != standard.price_id and "fast" in fast.price_id
    assert pricer.price(ONE_REQUEST, "claude-opus-4-6", "anthropic", JUNE, speed="standard") == standard


def test_fast_mode_keeps_the_long_context_tier_while_it_applied(pricer):
    # before 2026-03-13 a prompt above 200k tokens was billed at $10 / $37.50: fast mode at $60 / $225
    big = Tokens(input_tokens=300_000, output_tokens=1000)
    fast = pricer.price(big, "claude-opus-4-6", "anthropic", ms(2026, 3, 1), speed="fast")
    assert fast.cost_pico == usd("18") + usd("0.225")


def test_the_librarys_own_fast_price_is_used_where_it_has_one(pricer):
    fast = pricer.price(ONE_REQUEST, "claude-opus-4-8", "anthropic", JUNE, speed="fast")
    usage = Usage(input_tokens=ONE_REQUEST.prompt_tokens, cache_read_tokens=20_000, cache_write_tokens=500,
                  output_tokens=800)
    expected = calc_price(usage, "claude-opus-4-8", provider_id="anthropic", price_context={"speed": "fast"},
                          genai_request_timestamp=datetime(2026, 6, 1, tzinfo=timezone.utc)).total_price
    assert fast.cost_pico == usd_to_pico(expected) and fast.partly is None
    assert "tracker" not in fast.price_id


def test_fast_mode_nobody_prices_is_marked_not_guessed(pricer):
    fast = pricer.price(ONE_REQUEST, "claude-sonnet-4-5", "anthropic", JUNE, speed="fast")
    assert fast.cost_pico == pricer.price(ONE_REQUEST, "claude-sonnet-4-5", "anthropic", JUNE).cost_pico
    assert fast.partly == "speed:fast"


def test_web_searches_cost_ten_dollars_a_thousand(pricer):
    priced = pricer.price(ONE_REQUEST, "claude-sonnet-4-20250514", "anthropic", JUNE, units={"web_searches": 3})
    plain = pricer.price(ONE_REQUEST, "claude-sonnet-4-20250514", "anthropic", JUNE)
    assert priced.cost_pico - plain.cost_pico == usd("0.03") and priced.partly is None


def test_audio_tokens_at_their_own_rates_not_as_text(pricer):
    # gpt-realtime (library rates): text $4 / $16, audio $32 / $64, cached audio $0.40 per MTok
    tokens = Tokens(input_tokens=1000, cache_read_tokens=500, output_tokens=600)
    units = {"input_audio_tokens": 700, "cache_audio_read_tokens": 300, "output_audio_tokens": 400}
    priced = pricer.price(tokens, "gpt-realtime", "openai", JUNE, units=units)
    text_in, audio_in = (1000 - 400) * 4, 400 * 32  # 700 audio of which 300 cached: 400 uncached audio
    cached = 200 * Decimal("0.4") + 300 * Decimal("0.4")
    out = 200 * 16 + 400 * 64
    assert priced.cost_pico == usd_to_pico((text_in + audio_in + cached + out) / Decimal(10**6))
    usage = Usage(input_tokens=1500, cache_read_tokens=500, output_tokens=600, **units)
    assert priced.cost_pico == usd_to_pico(calc_price(usage, "gpt-realtime", provider_id="openai",
                                                      genai_request_timestamp=datetime(2026, 6, 1)).total_price)


def test_audio_rates_the_library_lacks_come_from_the_shipped_overrides(pricer):
    tokens = Tokens(input_tokens=1000, output_tokens=500)
    priced = pricer.price(tokens, "gpt-4o-audio-preview-2024-12-17", "openai", JUNE,
                          units={"input_audio_tokens": 400, "output_audio_tokens": 200})
    # text $2.50 / $10, audio $40 / $80 per MTok (OpenAI's model page, in resources/price_overrides.json)
    expected = 600 * Decimal("2.5") + 400 * 40 + 300 * 10 + 200 * 80
    assert priced.cost_pico == usd_to_pico(expected / 10**6) and priced.partly is None
    # a snapshot the overrides do not list is not given another snapshot's rates: marked
    older = pricer.price(tokens, "gpt-4o-audio-preview-2024-10-01", "openai", JUNE,
                         units={"input_audio_tokens": 400})
    assert older.partly == "input_audio_tokens"
    assert older.cost_pico == pricer.price(tokens, "gpt-4o-audio-preview-2024-10-01", "openai", JUNE).cost_pico


def test_image_tokens_a_vision_model_reads_are_text_input_and_image_models_have_their_rate(pricer):
    tokens = Tokens(input_tokens=2000, output_tokens=100)
    vision = pricer.price(tokens, "gpt-4.1", "openai", JUNE, units={"input_image_tokens": 1500})
    assert vision == pricer.price(tokens, "gpt-4.1", "openai", JUNE)  # OpenAI bills them as input tokens
    image = pricer.price(tokens, "gpt-image-1", "openai", JUNE, units={"input_image_tokens": 1500})
    # gpt-image-1: text input $5, image input $10 per MTok; output $40
    assert image.cost_pico == usd_to_pico((500 * 5 + 1500 * 10 + 100 * 40) / Decimal(10**6))


def test_speech_transcription_and_file_search_are_priced_per_unit(pricer):
    speech = pricer.price(Tokens(), "tts-1", "openai", JUNE, requests=4, units={"input_characters": 20_000})
    assert speech.cost_pico == usd("0.30")  # $15 per million characters
    heard = pricer.price(Tokens(), "whisper-1", "openai", JUNE, requests=2, units={"input_audio_seconds": 600})
    assert heard.cost_pico == usd("0.06")  # $0.006 a minute
    searched = pricer.price(Tokens(), "gpt-4.1", "openai", JUNE, requests=0, units={"storage_searches": 40})
    assert searched.cost_pico == usd("0.10")  # $2.50 per 1,000 calls


def test_a_row_made_only_of_units_without_a_rate_is_unpriced_not_zero(pricer):
    priced = pricer.price(Tokens(), "gpt-4o-transcribe", "openai", JUNE, requests=3,
                          units={"input_audio_seconds": 60})
    assert priced.cost_pico is None and priced.unpriced


@pytest.mark.parametrize("unit", [u for u, keys in UNIT_PRICE_KEYS.items() if keys])
def test_every_unit_rate_equals_the_librarys_figure(pricer, unit):
    """For each unit, a model whose price has its rate: our linear rate against calc_price itself."""
    from genai_prices import data_snapshot

    snapshot = data_snapshot.get_snapshot()
    when = datetime(2026, 6, 1, tzinfo=timezone.utc)
    for provider in snapshot.providers:
        for model in provider.models:
            price = model.get_prices(when)
            if not any(getattr(price, key, None) is not None for key in UNIT_PRICE_KEYS[unit]):
                continue
            tokens = Tokens(input_tokens=5000, cache_read_tokens=3000, output_tokens=2000)
            units = {unit: 700}
            if unit == "cache_audio_read_tokens":
                units["input_audio_tokens"] = 1500
            fields = dict(units)
            if unit == "input_audio_seconds":
                fields["audio_seconds"] = 700
            try:
                usage = Usage(input_tokens=8000, cache_read_tokens=3000, output_tokens=2000, **fields)
                expected = usd_to_pico(price.calc_price(usage)["total_price"])
            except ValueError:
                continue  # a shape this model's units cannot take
            priced = Pricer().price(tokens, model.id, provider.id, JUNE, units=units)
            if priced.cost_pico is None or priced.partly:
                continue  # resolved to another entry of the same name
            assert priced.cost_pico == expected, (provider.id, model.id)
            return
    pytest.skip(f"no model in the data has a rate for {unit}")


def test_shipped_overrides_say_where_every_figure_comes_from():
    doc = json.loads(resource_path("price_overrides.json").read_text())
    for section in ("models", "variants", "classes"):
        for name, entries in doc[section].items():
            for entry in entries:
                assert entry["source"].startswith("https://") and entry["checked"], (section, name)
    assert Pricer().override_errors == []


@pytest.mark.parametrize("content,fragment", [
    ({"models": {}, "variants": {"m": [{"when": {"speed": "fast"}, "multiplier": "0"}]}}, "multiplier must be"),
    ({"models": {}, "variants": {"m": [{"when": {"tier": "x"}, "multiplier": "2"}]}}, '"when" must be'),
    ({"models": {}, "classes": {"m": [{"input_audio_mtok": "-1"}]}}, "input_audio_mtok must be a number"),
    ({"models": {}, "classes": {"m": [{"source": "https://x"}]}}, "no rate given"),
    ({"models": {}, "classes": []}, "'classes' must be an object"),
])
def test_bad_variants_and_classes_are_reported_not_fatal(tmp_path, content, fragment):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(content))
    pricer = Pricer(user_overrides=path)
    assert any(fragment in e for e in pricer.override_errors), pricer.override_errors
    assert pricer.price(ONE_REQUEST, "claude-opus-4-6", "anthropic", JUNE).cost_pico is not None


def test_a_users_fast_multiplier_and_class_rates_win(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"models": {},
                                "variants": {"claude-opus-4-6": [{"when": {"speed": "fast"}, "multiplier": "2"}]},
                                "classes": {"gpt-4o-audio-preview": [{"input_audio_mtok": "50"}]}}))
    pricer = Pricer(user_overrides=path)
    standard = pricer.price(ONE_REQUEST, "claude-opus-4-6", "anthropic", JUNE)
    assert pricer.price(ONE_REQUEST, "claude-opus-4-6", "anthropic", JUNE, speed="fast").cost_pico \
        == 2 * standard.cost_pico
    audio = pricer.price(Tokens(input_tokens=1000), "gpt-4o-audio-preview", "openai", JUNE,
                         units={"input_audio_tokens": 1000})
    assert audio.cost_pico == usd("0.05")


def test_units_are_checked_and_kept_inside_their_token_class():
    tokens = Tokens(input_tokens=100, cache_read_tokens=50, output_tokens=30)
    assert clean_units(tokens, {"web_searches": 0}) is None
    assert clean_units(tokens, {"input_audio_tokens": 500, "cache_audio_read_tokens": 80, "output_audio_tokens": 99}) \
        == {"input_audio_tokens": 150, "cache_audio_read_tokens": 50, "output_audio_tokens": 30}
    for bad in ({"web_searches": -1}, {"web_searches": 1.5}, {"web_searches": True}, {"nonsense": 1},
                {"web_searches": 10**12}):
        with pytest.raises(BadUnits):
            clean_units(tokens, bad)
