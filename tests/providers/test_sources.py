"""Source parsing edge cases: uncertain shapes, bad records, key types, fake conformance."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from tests.fakes.dataset import AnthropicData, OpenAIData
from tests.fakes.server import FakeAnthropic, FakeOpenAI, FakeProvider
from tests.providers.conftest import NOW_S
from tracker import net
from tracker.sources.anthropic import AnthropicSource, cents_to_pico
from tracker.sources.base import BadRecord, as_decimal, as_int
from tracker.sources.openai import OpenAISource

DAY = 86_400


def test_fake_accepts_both_group_by_encodings():
    with FakeOpenAI(OpenAIData(NOW_S)) as fake:
        base = f"{fake.base_url}/organization/usage/completions?start_time={NOW_S - 5 * DAY}&limit=5"
        auth = {"Authorization": "Bearer sk-admin-fake-0001"}
        repeated = requests.get(base + "&group_by=model&group_by=project_id", headers=auth).json()
        brackets = requests.get(base + "&group_by[]=model&group_by[]=project_id", headers=auth).json()
        assert repeated == brackets and any(b["results"] for b in repeated["data"])
        assert requests.get(base.replace(f"start_time={NOW_S - 5 * DAY}&", ""), headers=auth).status_code == 400
        assert requests.get(base.replace("limit=5", "limit=32"), headers=auth).status_code == 400


def test_first_bucket_starting_at_start_time_is_kept(http_options):
    data = OpenAIData(NOW_S)
    start = NOW_S // DAY * DAY - 3 * DAY + 5 * 3600  # not on a day boundary
    with FakeOpenAI(data) as fake:
        batch = OpenAISource("oa", "sk-admin-fake-0001", fake.base_url, http_options).fetch(
            "usage", start, NOW_S // DAY * DAY, DAY)
    starts = sorted({b.start_s for b in batch.buckets})
    assert starts[0] == start and all(s % DAY == 0 for s in starts[1:])


class OddOpenAI(FakeProvider):
    """One page with every shape the reference calls uncertain, and some bad records."""

    url_prefix = "/v1"

    def route(self, path, query, headers):
        if path.endswith("/costs"):
            results = [
                {"object": "organization.costs.result", "amount": {"value": Decimal("0.06"), "currency": "usd"},
                 "line_item": "gpt-4o, input", "project_id": "p", "organization_id": "org"},
                {"object": "organization.costs.result", "amount": {"value": "0.0125", "currency": "usd"},
                 "line_item": "gpt-4o, output", "project_id": "p"},
                {"object": "organization.costs.result", "amount": {"value": "lots", "currency": "usd"},
                 "line_item": "broken", "project_id": "p"},
            ]
        elif path.endswith("/completions"):
            results = [
                {"input_tokens": 1000, "input_cached_tokens": 400, "input_cache_write_tokens": 100,
                 "input_uncached_tokens": 500, "output_tokens": 500, "num_model_requests": 5, "model": "gpt-4o",
                 "future_field": [1, 2]},
                {"input_tokens": 300, "input_cached_tokens": 100, "output_tokens": 7, "num_model_requests": 1,
                 "model": "gpt-4o-mini"},  # the pre-July-2026 shape
                {"input_tokens": "12x", "output_tokens": 1, "num_model_requests": 1, "model": "bad"},
                {"input_tokens": 10, "input_cached_tokens": 50, "output_tokens": 1, "model": "bad-2"},
            ]
        else:
            results = []
        return 200, {"object": "page", "has_more": False, "next_page": None,
                     "data": [{"object": "bucket", "start_time": 0, "end_time": DAY, "results": results}]}, {}


def test_uncertain_shapes_are_read_and_bad_records_are_counted(http_options):
    with OddOpenAI() as fake:
        src = OpenAISource("oa", "sk-admin-x", fake.base_url, http_options)
        usage = src.fetch("usage", 0, DAY, DAY)
        costs = src.fetch("costs", 0, DAY, DAY)
    by_model = {b.model: b.tokens for b in usage.buckets}
    assert by_model["gpt-4o"].input_tokens == 500 and by_model["gpt-4o"].cache_read_tokens == 400
    assert by_model["gpt-4o"].cache_write_5m_tokens == 100
    assert by_model["gpt-4o-mini"].input_tokens == 200  # input includes cached: 300 - 100
    assert set(by_model) == {"gpt-4o", "gpt-4o-mini"}
    assert len(usage.rejected) == 2 and any("input_tokens" in r for r in usage.rejected)
    assert any("exceeds" in r for r in usage.rejected)
    assert sorted(line.amount_pico for line in costs.billed) == [12_500_000_000, 60_000_000_000]
    assert len(costs.rejected) == 1 and "amount.value" in costs.rejected[0]


@pytest.mark.parametrize("value, pico", [("123.78912", 1_237_891_200_000), ("50", 500_000_000_000),
                                          (186, 1_860_000_000_000), (Decimal("0.001"), 10_000_000)])
def test_anthropic_cents_are_divided_by_100_exactly(value, pico):
    assert cents_to_pico(value) == pico


def test_field_readers_refuse_guessing():
    assert as_int("42", "n") == 42 and as_int(None, "n") == 0 and as_int(Decimal("3"), "n") == 3
    for bad in (True, "4.5", -1, [], "nan", 2**63, str(2**64)):  # past SQLite's integers too
        with pytest.raises(BadRecord):
            as_int(bad, "n")
    assert as_int(2**63 - 1, "n") == 2**63 - 1
    assert as_decimal("0.10", "x") == Decimal("0.10")
    for bad in (None, "x", True, "inf"):
        with pytest.raises(BadRecord):
            as_decimal(bad, "x")


@pytest.mark.parametrize("status", [401, 403])
def test_non_admin_key_gets_the_admin_key_advice_whatever_the_status(status, http_options):
    class Refusing(FakeProvider):
        url_prefix = "/v1"

        def route(self, path, query, headers):
            return status, {"error": {"message": "nope"}}, {}

    with Refusing() as fake:
        with pytest.raises(net.WrongKeyType, match="project key.*Admin key"):
            OpenAISource("oa", "sk-proj-abc", fake.base_url, http_options).test()
        with pytest.raises(net.AuthError if status == 401 else net.WrongKeyType):
            OpenAISource("oa", "sk-admin-abc", fake.base_url, http_options).test()


def test_anthropic_normal_key_is_told_to_use_an_admin_key(http_options):
    with FakeAnthropic(AnthropicData(NOW_S)) as fake:
        with pytest.raises(net.WrongKeyType, match="normal API key.*Admin key"):
            AnthropicSource("an", "sk-ant-api03-fake-0002", fake.root_url, http_options).test()
        assert "accepted" in AnthropicSource("an", "sk-ant-admin01-fake-0001", fake.root_url, http_options).test()


def test_a_cursor_that_never_ends_is_an_error_not_a_hang(http_options):
    class Looping(FakeProvider):
        url_prefix = "/v1"

        def route(self, path, query, headers):
            return 200, {"object": "page", "data": [], "has_more": True, "next_page": "page_same"}, {}

    with Looping() as fake:
        with pytest.raises(BadRecord, match="repeated a page cursor"):
            OpenAISource("oa", "sk-admin-x", fake.base_url, http_options).fetch("costs", 0, DAY, DAY)
        assert len(fake.log) == 2


def test_a_base_url_that_is_not_the_api_says_so(http_options, sleeps):
    class Website(FakeProvider):
        def _send(self, h, path, status, body, extra, truncate=False):
            data = b"<html>hello</html>"
            self.log.append((path, 200))
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)

        def route(self, path, query, headers):
            return 200, {}, {}

    with Website() as fake:
        with pytest.raises(net.BadResponse, match="base URL"):
            OpenAISource("oa", "sk-admin-x", fake.base_url, http_options).test()
    assert len(sleeps) == net.MAX_RETRIES  # retried like a truncated body, then given up


def test_openrouter_falls_back_to_the_legacy_key_path(http_options):
    from tests.fakes.dataset import OpenRouterData
    from tests.fakes.server import FakeOpenRouter
    from tracker.sources.openrouter import OpenRouterSource

    class LegacyOnly(FakeOpenRouter):
        def route(self, path, query, headers):
            if path == "/api/v1/key":
                return 404, self.error_body(404, "Resource not found"), {}
            return super().route(path, query, headers)

    with LegacyOnly(OpenRouterData(NOW_S)) as fake:
        src = OpenRouterSource("or", "sk-or-v1-fake-0002", fake.base_url, http_options)
        batch = src.snapshot("key", NOW_S * 1000)
    assert [p for p, _ in fake.log] == ["/api/v1/key", "/api/v1/auth/key"]
    assert {b.metric for b in batch.balances} >= {"key_usage", "key_limit", "key_limit_remaining"}


def test_deepseek_without_usable_balance_says_so(http_options):
    from tests.fakes.dataset import DeepSeekData
    from tests.fakes.server import FakeDeepSeek
    from tracker.sources.deepseek import DeepSeekSource

    data = DeepSeekData()
    data.is_available = False
    data.balance_infos = [{"currency": "USD", "total_balance": "0.00", "granted_balance": "0.00",
                           "topped_up_balance": "0.00", "new_field": 1},
                          {"currency": "CNY", "total_balance": "oops"}]
    with FakeDeepSeek(data) as fake:
        batch = DeepSeekSource("ds", "sk-deepseek-fake-0001", fake.root_url, http_options).snapshot("balance", 5)
    assert any("top up" in n for n in batch.notes)
    assert {(b.metric, b.currency, b.amount_pico) for b in batch.balances} == {
        ("balance", "USD", 0), ("granted", "USD", 0), ("topped_up", "USD", 0)}
    assert len(batch.rejected) == 1 and "total_balance" in batch.rejected[0]


def test_openrouter_rows_without_a_usage_figure_are_kept_and_priced_not_zero(http_options):
    """A missing 'usage' was stored as a provider-reported $0; 'usage': null dropped the whole row
    (and with it, on a re-read, the day's stored figures)."""
    from tests.fakes.dataset import OpenRouterData
    from tests.fakes.server import FakeOpenRouter
    from tracker.sources.openrouter import ACTIVITY, OpenRouterSource

    class NoUsage(FakeOpenRouter):
        def _activity(self, query):
            rows = super()._activity(query)[:2]
            rows[0].pop("usage")
            rows[1]["usage"] = None
            return rows

    data = OpenRouterData(NOW_S)
    with NoUsage(data) as fake:
        src = OpenRouterSource("or", "sk-or-v1-fake-mgmt-0001", fake.base_url, http_options)
        batch = src.fetch(ACTIVITY.name, NOW_S - 31 * 86_400, NOW_S, 86_400)
    assert not batch.rejected  # the null one is kept too
    assert [b.reported_cost_pico for b in batch.buckets] == [None, None]  # priced from tokens at ingest


def test_anthropic_long_context_rows_are_priced_at_the_long_context_rates(pricer):
    """The usage report has no request count: without grouping by context_window every row was
    priced at the base rate (a 1M-token long-context day of claude-sonnet-4-5: \\$4.50, not \\$8.25)."""
    from tracker.services.ingest import price_bucket
    from tracker.sources.anthropic import GROUP_BY

    assert "context_window" in GROUP_BY
    src = AnthropicSource("an", "sk-ant-admin01-x", "http://127.0.0.1:9")
    row = {"uncached_input_tokens": 1_000_000, "output_tokens": 100_000, "model": "claude-sonnet-4-5",
           "cache_read_input_tokens": 0, "cache_creation": {}, "context_window": "200k-1M"}
    long_day = price_bucket(pricer, src._bucket(NOW_S - 86_400, 86_400, row))
    base_day = price_bucket(pricer, src._bucket(NOW_S - 86_400, 86_400, dict(row, context_window="0-200k")))
    assert long_day.extra == {"context_window": "200k-1M"}
    assert base_day.cost_pico == 4_500_000_000_000  # $3 + $1.50
    assert long_day.cost_pico == 8_250_000_000_000  # $6 + $2.25
