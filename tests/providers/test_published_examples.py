"""The providers' own published examples, read, stored, priced and reported exactly.

Bodies are those of OpenAI's OpenAPI spec (organization usage and costs),
Anthropic's API reference (usage and cost report) and OpenRouter's spec
(`/activity`), as quoted in reference/providers.md, served by a loopback fake.
Where an example groups nothing (model null), a second result of the same shape
with a model shows the pricing.
"""

from __future__ import annotations

from copy import deepcopy
from datetime import date

import pytest

from tests.fakes.server import FakeProvider
from tests.providers.conftest import NOW_S
from tracker.core.timeutil import get_zone
from tracker.services import reports
from tracker.services.ingest import ingest
from tracker.sources.anthropic import AnthropicSource
from tracker.sources.openai import OpenAISource
from tracker.sources.openrouter import OpenRouterSource

DAY = 86_400
OPENAI_DAY = 1730419200  # 2024-11-01, the spec examples' bucket
UTC = get_zone("UTC")


def _page(results: list, start: int = OPENAI_DAY) -> dict:
    return {"object": "page", "data": [{"object": "bucket", "start_time": start, "end_time": start + DAY,
                                        "results": results}], "has_more": False, "next_page": None}


def _result(kind: str, **fields) -> dict:
    return {"object": f"organization.usage.{kind}.result", "project_id": None, "user_id": None, "api_key_id": None,
            "model": None, **fields}


OPENAI_PAGES = {
    # the spec's own example of the newest completions shape, then the same grouped by model and user
    "completions": [
        _result("completions", input_tokens=1000, input_cached_tokens=400, input_cache_write_tokens=100,
                input_uncached_tokens=500, output_tokens=500, input_text_tokens=400, output_text_tokens=400,
                input_cached_text_tokens=300, input_audio_tokens=50, input_cached_audio_tokens=50,
                output_audio_tokens=50, input_image_tokens=50, input_cached_image_tokens=50, output_image_tokens=50,
                num_model_requests=5, batch=None, service_tier=None),
        _result("completions", input_tokens=1000, input_cached_tokens=0, input_audio_tokens=400, output_tokens=500,
                output_audio_tokens=200, num_model_requests=2, model="gpt-4o-audio-preview-2024-12-17",
                user_id="user-abc", batch=False, service_tier="default"),
    ],
    # the spec: 2 images in 2 requests (ungrouped, and grouped as in the images object's example)
    "images": [_result("images", images=2, num_model_requests=2, size=None, source=None),
               _result("images", images=2, num_model_requests=2, size="1024x1024", source="image.generation",
                       project_id="proj_abc", user_id="user-abc", api_key_id="key_abc", model="dall-e-3")],
    "audio_speeches": [_result("audio_speeches", characters=45, num_model_requests=1),
                       _result("audio_speeches", characters=45_000, num_model_requests=3, model="tts-1")],
    "audio_transcriptions": [_result("audio_transcriptions", seconds=20, num_model_requests=1)],
    "vector_stores": [{"object": "organization.usage.vector_stores.result", "usage_bytes": 1024, "project_id": None}],
    "code_interpreter_sessions": [{"object": "organization.usage.code_interpreter_sessions.result", "num_sessions": 1,
                                   "project_id": None}],
    "web_search_calls": [_result("web_searches", num_model_requests=2, num_requests=2, context_level=None),
                         _result("web_searches", num_model_requests=3, num_requests=7, context_level="medium",
                                 model="gpt-4.1")],
    "file_search_calls": [{"object": "organization.usage.file_searches.result", "num_requests": 40,
                           "project_id": None, "user_id": None, "api_key_id": None, "vector_store_id": "vs_abc"}],
    "embeddings": [],
    "moderations": [],
}
OPENAI_COSTS = [
    {"object": "organization.costs.result", "amount": {"value": 0.06, "currency": "usd"},
     "line_item": "gpt-4o-2024-08-06, input", "project_id": "proj_abc", "api_key_id": None, "quantity": None,
     "quantity_unit": None},
    {"object": "organization.costs.result", "amount": {"value": 0.0125, "currency": "usd"},
     "line_item": "gpt-4o-2024-08-06, output", "project_id": "proj_abc", "api_key_id": "key_abc", "quantity": None,
     "quantity_unit": None},
]


class PublishedOpenAI(FakeProvider):
    url_prefix = "/v1"

    def route(self, path, query, headers):
        endpoint = path.rsplit("/", 1)[1]
        body = _page(OPENAI_COSTS if endpoint == "costs" else deepcopy(OPENAI_PAGES[endpoint]))
        return 200, body, {}


@pytest.fixture
def openai_store(store, pricer, http_options):
    with PublishedOpenAI() as fake:
        src = OpenAISource("oa", "sk-admin-x", fake.base_url, http_options)
        usage = src.fetch("usage", OPENAI_DAY, OPENAI_DAY + DAY, DAY)
        costs = src.fetch("costs", OPENAI_DAY, OPENAI_DAY + DAY, DAY)
        queries = {path.rsplit("/", 1)[1]: query for path, query in fake.queries}
    assert usage.rejected == [] and costs.rejected == []
    ingest(store, pricer, buckets=usage.buckets, billed=costs.billed)
    return store, queries


def _daily(store, by: str = "model") -> dict:
    doc = reports.usage_report(store, UTC, "day", by, date(2024, 11, 1), date(2024, 11, 1))
    return {r[by]: r for r in doc["rows"]}, doc["totals"]


def test_openai_search_endpoints_are_polled_and_priced_per_call(openai_store):
    store, queries = openai_store
    assert {"web_search_calls", "file_search_calls"} <= set(queries)
    rows, _ = _daily(store)
    # gpt-4.1 web searches: $10 per 1,000 (genai-prices); the model requests are in completions already
    assert rows["gpt-4.1"]["cost_usd"] == "0.070000" and rows["gpt-4.1"]["requests"] == 0
    # file searches name no model: $2.50 per 1,000 calls (resources/price_overrides.json, sourced)
    assert rows["file_search_calls"]["cost_usd"] == "0.100000"
    # the ungrouped example has no model to price its searches by: unpriced, not $0
    assert rows["web_search_calls"]["cost_usd"] is None and rows["web_search_calls"]["unpriced_requests"] == 1


def test_openai_rows_of_only_unpriced_usage_report_null_not_zero(openai_store):
    store, _ = openai_store
    rows, _ = _daily(store)
    for kind in ("images", "audio_speeches", "audio_transcriptions", "vector_stores", "code_interpreter_sessions"):
        assert rows[kind]["cost_usd"] is None, kind  # the README's rule: every request unpriced -> null
    assert rows["dall-e-3"]["cost_usd"] is None


def test_openai_image_and_audio_requests_are_counted(openai_store):
    store, _ = openai_store
    rows, _ = _daily(store)
    assert (rows["images"]["requests"], rows["dall-e-3"]["requests"]) == (2, 2)
    assert (rows["audio_speeches"]["requests"], rows["audio_transcriptions"]["requests"]) == (1, 1)
    # speech by characters: tts-1 at $15 per million characters
    assert rows["tts-1"]["requests"] == 3 and rows["tts-1"]["cost_usd"] == "0.675000"


def test_openai_audio_tokens_are_priced_as_audio_not_text(openai_store):
    store, _ = openai_store
    rows, _ = _daily(store)
    audio = rows["gpt-4o-audio-preview-2024-12-17"]
    # text $2.50 / $10, audio $40 / $80 per MTok: 600 + 400 audio in, 300 + 200 audio out (it was $0.0075 as text)
    assert audio["cost_usd"] == "0.036500" and audio["partly_priced_requests"] == 0
    units = dict(store.conn.execute("SELECT model, units FROM buckets WHERE kind = 'completions'").fetchall())
    assert units[None] == ('{"cache_audio_read_tokens":50,"cache_image_read_tokens":50,"input_audio_tokens":50,'
                           '"input_image_tokens":50,"output_audio_tokens":50,"output_image_tokens":50}')


def test_openai_breakdowns_are_kept_for_tagging_and_reports(openai_store):
    store, queries = openai_store
    assert "user_id" in queries["completions"]["group_by"] and "api_key_id" in queries["costs"]["group_by"]
    extra = store.conn.execute("SELECT extra FROM buckets WHERE model = 'dall-e-3'").fetchone()[0]
    assert '"user_id": "user-abc"' in extra
    billed = store.conn.execute("SELECT line_item, api_key_id, amount_pico FROM billed ORDER BY line_item").fetchall()
    assert billed == [("gpt-4o-2024-08-06, input", None, 60_000_000_000),
                      ("gpt-4o-2024-08-06, output", "key_abc", 12_500_000_000)]
    from tracker.services import tagging
    from tracker.services.value import add_tag

    add_tag(store, "Research", "project")
    tagging.add_rule(store, "Research", user_id="user-abc")
    rows, _ = _daily(store, by="tag")
    assert rows["Research"]["requests"] == 4  # the audio model's 2 and dall-e-3's 2
    users, _ = _daily(store, by="user")
    assert users["user-abc"]["requests"] == 4


# -- Anthropic ------------------------------------------------------------------
ANTHROPIC_USAGE = {
    "data": [
        {"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z", "results": [{
            "uncached_input_tokens": 1500,
            "cache_creation": {"ephemeral_1h_input_tokens": 1000, "ephemeral_5m_input_tokens": 500},
            "cache_read_input_tokens": 200, "output_tokens": 500,
            "server_tool_use": {"web_search_requests": 10},
            "api_key_id": None, "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
            "model": "claude-sonnet-4-20250514", "service_tier": None, "context_window": None,
            "inference_geo": "us", "account_id": "user_01A", "service_account_id": None,
        }]},
        {"starting_at": "2025-08-02T00:00:00Z", "ending_at": "2025-08-03T00:00:00Z", "results": []},
    ],
    "has_more": False, "next_page": None,
}
ANTHROPIC_COSTS = {
    "data": [{"starting_at": "2025-08-01T00:00:00Z", "ending_at": "2025-08-02T00:00:00Z", "results": [
        {"currency": "USD", "amount": "123.78912", "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
         "description": "Claude Sonnet 4 Usage - Input Tokens", "cost_type": "tokens", "context_window": "0-200k",
         "model": "claude-sonnet-4-20250514", "service_tier": "standard", "token_type": "uncached_input_tokens",
         "inference_geo": None},
        {"currency": "USD", "amount": "50", "workspace_id": "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
         "description": "Web Search Usage", "cost_type": "web_search", "context_window": None, "model": None,
         "service_tier": None, "token_type": None, "inference_geo": None},
    ]}],
    "has_more": False, "next_page": None,
}


class PublishedAnthropic(FakeProvider):
    def route(self, path, query, headers):
        if path.endswith("/usage_report/messages"):
            return 200, ANTHROPIC_USAGE, {}
        return 200, ANTHROPIC_COSTS, {}


def test_anthropic_web_searches_are_priced_and_breakdowns_kept(store, pricer, http_options):
    start = 1754006400  # 2025-08-01
    with PublishedAnthropic() as fake:
        src = AnthropicSource("an", "sk-ant-admin01-x", fake.root_url, http_options)
        usage = src.fetch("messages", start, start + 2 * DAY, DAY)
        costs = src.fetch("costs", start, start + DAY, DAY)
        query = next(q for path, q in fake.queries if path.endswith("/messages"))
    assert {"account_id", "service_account_id", "inference_geo"} <= set(query["group_by[]"])
    ingest(store, pricer, buckets=usage.buckets, billed=costs.billed)
    cost, units, extra = store.conn.execute("SELECT cost_pico, units, extra FROM buckets").fetchone()
    # $3 / $15 per MTok, 5-minute writes $3.75, 1-hour writes $6, reads $0.30; 10 web searches $0.10
    tokens = 1500 * 3 + 500 * 15 + 500 * 3.75 + 1000 * 6 + 200 * 0.3
    assert cost == round(tokens * 10**6) + 100_000_000_000
    assert units == '{"web_searches":10}'
    assert '"account_id": "user_01A"' in extra and '"inference_geo": "us"' in extra
    billed = store.conn.execute("SELECT line_item, amount_pico, cost_type, token_type, service_tier, context_window "
                                "FROM billed ORDER BY line_item").fetchall()
    assert billed == [("Claude Sonnet 4 Usage - Input Tokens", 1_237_891_200_000, "tokens", "uncached_input_tokens",
                       "standard", "0-200k"),
                      ("Web Search Usage", 500_000_000_000, "web_search", None, None, None)]


# -- OpenRouter -----------------------------------------------------------------
class PublishedOpenRouter(FakeProvider):
    url_prefix = "/api/v1"

    def route(self, path, query, headers):
        return 200, {"data": [{
            "date": "2026-11-27", "model": "openai/gpt-4.1", "model_permaslug": "openai/gpt-4.1-2025-04-14",
            "endpoint_id": "550e8400-e29b-41d4-a716-446655440000", "provider_name": "OpenAI", "usage": 0.015,
            "byok_usage_inference": 0.012, "requests": 5, "prompt_tokens": 50, "completion_tokens": 125,
            "reasoning_tokens": 25}]}, {}


def test_openrouter_spend_through_the_users_own_keys_is_counted(store, pricer, http_options):
    with PublishedOpenRouter() as fake:
        src = OpenRouterSource("or", "sk-or-v1-x", fake.base_url, http_options)
        batch = src.fetch("activity", NOW_S // DAY * DAY - 30 * DAY, NOW_S // DAY * DAY, DAY)
    ingest(store, pricer, buckets=batch.buckets)
    cost, byok = store.conn.execute("SELECT cost_pico, byok_cost_pico FROM buckets").fetchone()
    assert (cost, byok) == (27_000_000_000, 12_000_000_000)  # $0.015 of credits + $0.012 on the user's keys
