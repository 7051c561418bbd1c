"""Seeded datasets behind the fake providers, with the totals a client must end up with.

Usage is generated per hour (the finest width the fakes serve is an hour), so
daily buckets are exact sums of hourly ones. Some days are empty on purpose.
Money is Decimal throughout; `expected_*` give what the tracker should store.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from tracker.core.money import usd_to_pico

DAY_S = 86_400
HOUR_S = 3_600
HISTORY_DAYS = 100
EMPTY_DAY_EVERY = 17  # every 17th day has no usage at all


def day_of(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).date().isoformat()


@dataclass
class Row:
    ts: int  # hour start, UTC seconds
    dims: dict
    metrics: dict


@dataclass
class HourIndex:
    rows: list[Row] = field(default_factory=list)
    by_hour: dict[int, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, row: Row) -> None:
        self.rows.append(row)
        self.by_hour[row.ts].append(row)

    def between(self, start: int, end: int) -> list[Row]:
        out = []
        hour = start // HOUR_S * HOUR_S
        while hour < end:
            out.extend(r for r in self.by_hour.get(hour, ()) if start <= r.ts < end)
            hour += HOUR_S
        return out


def _hours(now_s: int, days: int):
    first = (now_s // DAY_S - days) * DAY_S
    hour = first
    while hour <= now_s:
        day_index = (hour - first) // DAY_S
        yield hour, day_index
        hour += HOUR_S


def _money(rng: random.Random, low: int, high: int, places: int) -> Decimal:
    return Decimal(rng.randint(low, high)).scaleb(-places)


# -- OpenAI -------------------------------------------------------------------
OPENAI_MODELS = ["gpt-4.1-2025-04-14", "gpt-4o-mini-2024-07-18", "gpt-5-mini"]
OPENAI_PROJECTS = ["proj_alpha", "proj_beta", None]
OPENAI_KEYS = ["key_a1", "key_b2"]
OPENAI_ENDPOINTS = {
    # endpoint: (share of hours with usage, models)
    "completions": (0.5, OPENAI_MODELS),
    "embeddings": (0.15, ["text-embedding-3-small"]),
    "moderations": (0.05, ["omni-moderation-latest"]),
    "images": (0.05, ["gpt-image-1", "dall-e-3"]),
    "audio_speeches": (0.04, ["tts-1"]),
    "audio_transcriptions": (0.04, ["whisper-1"]),
    "vector_stores": (0.05, [None]),
    "code_interpreter_sessions": (0.03, [None]),
}
OPENAI_QUANTITY = {"images": "images", "audio_speeches": "characters", "audio_transcriptions": "seconds",
                   "vector_stores": "usage_bytes", "code_interpreter_sessions": "num_sessions",
                   "web_search_calls": "num_requests", "file_search_calls": "num_requests"}
# Added later than the endpoints above, from a generator of their own so that the older data (and
# every figure a test derived from it) stays as it was: tool calls, and audio-model completions.
OPENAI_TOOL_ENDPOINTS = {"web_search_calls": (0.1, ["gpt-4.1-2025-04-14", "gpt-5-mini"]),
                         "file_search_calls": (0.05, [None])}
OPENAI_AUDIO_MODEL = "gpt-4o-audio-preview-2024-12-17"


class OpenAIData:
    def __init__(self, now_s: int, seed: int = 1, days: int = HISTORY_DAYS):
        self.now_s = now_s
        rng = random.Random(seed)
        self.usage = {e: HourIndex() for e in OPENAI_ENDPOINTS}
        self.new_shape_days: set[str] = set()
        for hour, day_index in _hours(now_s, days):
            if day_index % EMPTY_DAY_EVERY == 5:
                continue
            new_shape = day_index % 2 == 0  # July-2026 fields (cache writes, uncached) on even days
            if new_shape:
                self.new_shape_days.add(day_of(hour))
            for endpoint, (share, models) in OPENAI_ENDPOINTS.items():
                for _ in range(2):
                    if rng.random() >= share:
                        continue
                    dims = {"model": rng.choice(models), "project_id": rng.choice(OPENAI_PROJECTS),
                            "api_key_id": rng.choice(OPENAI_KEYS) if endpoint != "vector_stores" else None,
                            "user_id": None}
                    metrics = {"num_model_requests": rng.randint(1, 40)}
                    if endpoint == "completions":
                        dims["batch"] = rng.random() < 0.1
                        dims["service_tier"] = rng.choice(["default", "default", "flex", None])
                        cached = rng.randint(0, 20000)
                        write = rng.randint(0, 3000) if new_shape else 0
                        uncached = rng.randint(100, 30000)
                        metrics.update(input_tokens=uncached + cached + write, input_cached_tokens=cached,
                                       input_cache_write_tokens=write, output_tokens=rng.randint(50, 9000),
                                       input_audio_tokens=0, output_audio_tokens=0)
                    elif endpoint in ("embeddings", "moderations"):
                        metrics["input_tokens"] = rng.randint(100, 50000)
                    else:
                        metrics[OPENAI_QUANTITY[endpoint]] = rng.randint(1, 5000)
                        if endpoint == "images":
                            dims["size"] = rng.choice(["1024x1024", "1024x1792"])
                            dims["source"] = rng.choice(["image.generation", "image.edit"])
                    self.usage[endpoint].add(Row(hour, dims, metrics))
        self._add_tools_and_audio(now_s, days, seed)
        # costs: per day, line item and project; dollars with up to 6 decimals
        self.costs = HourIndex()
        first = (now_s // DAY_S - days) * DAY_S
        for day_start in range(first, now_s + 1, DAY_S):
            if ((day_start - first) // DAY_S) % EMPTY_DAY_EVERY == 5:
                continue
            for _ in range(rng.randint(0, 4)):
                model = rng.choice(OPENAI_MODELS)
                item = f"{model}, {rng.choice(['input', 'output', 'cached input'])}"
                self.costs.add(Row(day_start, {"line_item": item, "project_id": rng.choice(OPENAI_PROJECTS),
                                               "api_key_id": None},
                                   {"amount": _money(rng, 1, 9_999_999, 6), "as_string": rng.random() < 0.2}))

    def _add_tools_and_audio(self, now_s: int, days: int, seed: int) -> None:
        rng = random.Random(seed + 1000)
        for endpoint in OPENAI_TOOL_ENDPOINTS:
            self.usage[endpoint] = HourIndex()
        for hour, day_index in _hours(now_s, days):
            if day_index % EMPTY_DAY_EVERY == 5:
                continue
            for endpoint, (share, models) in OPENAI_TOOL_ENDPOINTS.items():
                if rng.random() < share:
                    dims = {"model": rng.choice(models), "project_id": rng.choice(OPENAI_PROJECTS),
                            "api_key_id": rng.choice(OPENAI_KEYS), "user_id": rng.choice(["user_1", None])}
                    if endpoint == "web_search_calls":
                        dims["context_level"] = rng.choice(["low", "medium", "high"])
                    else:
                        dims["vector_store_id"] = "vs_1"
                    self.usage[endpoint].add(Row(hour, dims, {"num_model_requests": rng.randint(1, 9),
                                                              "num_requests": rng.randint(1, 30)}))
            if rng.random() < 0.1:  # an audio model's completions: audio tokens inside input and output
                audio_in, audio_out = rng.randint(100, 5000), rng.randint(100, 3000)
                self.usage["completions"].add(Row(hour, {
                    "model": OPENAI_AUDIO_MODEL, "project_id": "proj_alpha", "api_key_id": "key_a1", "user_id": None,
                    "batch": False, "service_tier": "default"}, {
                    "num_model_requests": rng.randint(1, 5), "input_tokens": audio_in + rng.randint(10, 900),
                    "input_cached_tokens": 0, "input_cache_write_tokens": 0,
                    "output_tokens": audio_out + rng.randint(10, 500), "input_audio_tokens": audio_in,
                    "output_audio_tokens": audio_out}))

    def expected_buckets(self, start_s: int, end_s: int) -> dict[tuple, dict]:
        out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
        for endpoint, index in self.usage.items():
            for row in index.between(start_s, end_s):
                m = row.metrics
                key = (day_of(row.ts), endpoint, row.dims["model"] or "")
                acc = out[key]
                if endpoint == "completions":
                    acc["input_tokens"] += m["input_tokens"] - m["input_cached_tokens"] - m["input_cache_write_tokens"]
                    acc["cache_read_tokens"] += m["input_cached_tokens"]
                    acc["cache_write_5m_tokens"] += m["input_cache_write_tokens"]
                    acc["output_tokens"] += m["output_tokens"]
                    acc["requests"] += m["num_model_requests"]
                elif endpoint in ("embeddings", "moderations"):
                    acc["input_tokens"] += m["input_tokens"]
                    acc["requests"] += m["num_model_requests"]
                else:
                    acc["quantity"] += m[OPENAI_QUANTITY[endpoint]]
                    if endpoint in ("images", "audio_speeches", "audio_transcriptions"):
                        acc["requests"] += m["num_model_requests"]
        return {k: dict(v) for k, v in out.items()}

    def expected_billed(self, start_s: int, end_s: int) -> dict[tuple, int]:
        out: dict[tuple, int] = defaultdict(int)
        for row in self.costs.between(start_s, end_s):
            out[(day_of(row.ts), row.dims["line_item"])] += usd_to_pico(row.metrics["amount"])
        return dict(out)


# -- Anthropic ----------------------------------------------------------------
ANTHROPIC_MODELS = ["claude-sonnet-4-20250514", "claude-opus-4-5", "claude-haiku-4-5"]
ANTHROPIC_WORKSPACES = ["wrkspc_01A", "wrkspc_01B", None]


class AnthropicData:
    def __init__(self, now_s: int, seed: int = 2, days: int = HISTORY_DAYS):
        self.now_s = now_s
        rng = random.Random(seed)
        self.messages = HourIndex()
        for hour, day_index in _hours(now_s, days):
            if day_index % EMPTY_DAY_EVERY == 7:
                continue
            for _ in range(3):
                if rng.random() >= 0.45:
                    continue
                dims = {"model": rng.choice(ANTHROPIC_MODELS), "workspace_id": rng.choice(ANTHROPIC_WORKSPACES),
                        "api_key_id": rng.choice(["apikey_01", "apikey_02", None]),
                        "service_tier": rng.choice(["standard", "standard", "batch", "priority"]),
                        "context_window": rng.choice(["0-200k", "200k-1M"]), "inference_geo": "global",
                        "account_id": None, "service_account_id": None}
                metrics = {"uncached_input_tokens": rng.randint(10, 20000),
                           "ephemeral_5m_input_tokens": rng.randint(0, 5000),
                           "ephemeral_1h_input_tokens": rng.randint(0, 2000) if rng.random() < 0.3 else 0,
                           "cache_read_input_tokens": rng.randint(0, 90000), "output_tokens": rng.randint(10, 8000),
                           "web_search_requests": rng.randint(0, 3) if rng.random() < 0.1 else 0}
                self.messages.add(Row(hour, dims, metrics))
        first = (now_s // DAY_S - days) * DAY_S
        self.costs = HourIndex()
        self.claude_code = HourIndex()
        for day_start in range(first, now_s + 1, DAY_S):
            if ((day_start - first) // DAY_S) % EMPTY_DAY_EVERY == 7:
                continue
            for _ in range(rng.randint(0, 5)):
                model = rng.choice(ANTHROPIC_MODELS)
                token_type = rng.choice(["uncached_input_tokens", "output_tokens", "cache_read_input_tokens"])
                self.costs.add(Row(day_start, {
                    "workspace_id": rng.choice(ANTHROPIC_WORKSPACES),
                    "description": f"{model} Usage - {token_type}", "cost_type": "tokens", "model": model,
                    "token_type": token_type, "service_tier": "standard", "context_window": "0-200k",
                    "inference_geo": None,
                }, {"cents": _money(rng, 1, 99_999_999, 5)}))
            for n in range(rng.randint(0, 3)):
                actor = ({"type": "user_actor", "email_address": f"dev{n}@example.com"} if n % 2 == 0
                         else {"type": "api_actor", "api_key_name": f"ci-key-{n}"})
                breakdown = []
                for model in rng.sample(ANTHROPIC_MODELS, rng.randint(1, 2)):
                    breakdown.append({"model": model, "tokens": {
                        "input": rng.randint(0, 50000), "output": rng.randint(0, 20000),
                        "cache_read": rng.randint(0, 90000), "cache_creation": rng.randint(0, 5000)},
                        "estimated_cost": {"amount": rng.randint(0, 900) if rng.random() < 0.5
                                           else _money(rng, 0, 90000, 2), "currency": "USD"}})
                self.claude_code.add(Row(day_start, {"actor": actor, "terminal_type": "vscode", "is_remote": False},
                                         {"model_breakdown": breakdown, "num_sessions": rng.randint(1, 9)}))

    def expected_buckets(self, start_s: int, end_s: int) -> dict[tuple, dict]:
        out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
        for row in self.messages.between(start_s, end_s):
            m = row.metrics
            acc = out[(day_of(row.ts), "messages", row.dims["model"])]
            acc["input_tokens"] += m["uncached_input_tokens"]
            acc["cache_write_5m_tokens"] += m["ephemeral_5m_input_tokens"]
            acc["cache_write_1h_tokens"] += m["ephemeral_1h_input_tokens"]
            acc["cache_read_tokens"] += m["cache_read_input_tokens"]
            acc["output_tokens"] += m["output_tokens"]
            acc["quantity"] += m["web_search_requests"]
        return {k: dict(v) for k, v in out.items()}

    def expected_billed(self, start_s: int, end_s: int) -> dict[tuple, int]:
        out: dict[tuple, int] = defaultdict(int)
        for row in self.costs.between(start_s, end_s):
            out[(day_of(row.ts), row.dims["description"])] += usd_to_pico(row.metrics["cents"].scaleb(-2))
        return dict(out)

    def expected_claude_code(self, start_s: int, end_s: int) -> dict[tuple, dict]:
        out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
        for row in self.claude_code.between(start_s, end_s):
            for entry in row.metrics["model_breakdown"]:
                acc = out[(day_of(row.ts), entry["model"])]
                for src, dst in (("input", "input_tokens"), ("output", "output_tokens"),
                                 ("cache_read", "cache_read_tokens"), ("cache_creation", "cache_write_tokens")):
                    acc[dst] += entry["tokens"][src]
                acc["estimated_cost_pico"] += usd_to_pico(Decimal(entry["estimated_cost"]["amount"]).scaleb(-2))
        return {k: dict(v) for k, v in out.items()}


# -- OpenRouter -----------------------------------------------------------------
OPENROUTER_MODELS = ["openai/gpt-4.1", "anthropic/claude-sonnet-4", "deepseek/deepseek-chat"]


class OpenRouterData:
    def __init__(self, now_s: int, seed: int = 3, days: int = 40):
        self.now_s = now_s
        rng = random.Random(seed)
        self.activity = HourIndex()
        first = (now_s // DAY_S - days) * DAY_S
        for day_start in range(first, now_s + 1, DAY_S):
            if ((day_start - first) // DAY_S) % EMPTY_DAY_EVERY == 3:
                continue
            for model in OPENROUTER_MODELS:
                for provider in rng.sample(["OpenAI", "Azure", "Together", "DeepInfra"], rng.randint(0, 2)):
                    completion = rng.randint(0, 40000)
                    self.activity.add(Row(day_start, {"model": model, "provider_name": provider}, {
                        "usage": _money(rng, 0, 9_999_999, 6), "byok_usage_inference": Decimal("0"),
                        "requests": rng.randint(1, 300), "prompt_tokens": rng.randint(0, 200000),
                        "completion_tokens": completion, "reasoning_tokens": rng.randint(0, completion)}))
        self.key_info = {"label": "sk-or-v1-abc...xyz", "limit": Decimal("100"), "limit_remaining": Decimal("74.5"),
                         "limit_reset": "monthly", "include_byok_in_limit": False, "usage": Decimal("25.5"),
                         "usage_daily": Decimal("1.25"), "usage_weekly": Decimal("8.4"),
                         "usage_monthly": Decimal("25.5"), "byok_usage": Decimal("0"), "is_free_tier": False,
                         "creator_user_id": "user_1", "expires_at": None,
                         "rate_limit": {"requests": -1, "interval": "10s", "note": "deprecated"}}
        self.credits = {"total_credits": Decimal("100.5"), "total_usage": Decimal("25.75")}

    def expected_buckets(self, start_s: int, end_s: int) -> dict[tuple, dict]:
        out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
        for row in self.activity.between(start_s, end_s):
            m = row.metrics
            acc = out[(day_of(row.ts), "activity", row.dims["model"])]
            acc["input_tokens"] += m["prompt_tokens"]
            acc["output_tokens"] += m["completion_tokens"]
            acc["reasoning_tokens"] += m["reasoning_tokens"]
            acc["requests"] += m["requests"]
            acc["cost_pico"] += usd_to_pico(m["usage"])
        return {k: dict(v) for k, v in out.items()}


# -- DeepSeek -------------------------------------------------------------------
class DeepSeekData:
    def __init__(self):
        self.balance_infos = [{"currency": "CNY", "total_balance": "110.00", "granted_balance": "10.00",
                               "topped_up_balance": "100.00"}]
        self.is_available = True

    def set_balance(self, total: str, granted: str = "0.00", currency: str = "CNY") -> None:
        topped = str(Decimal(total) - Decimal(granted))
        self.balance_infos = [{"currency": currency, "total_balance": total, "granted_balance": granted,
                               "topped_up_balance": topped}]
