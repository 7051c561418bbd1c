"""Anthropic Admin API: Messages usage report, cost report, Claude Code analytics.

Usage rows are grouped by model, workspace, API key and service tier into
`UsageBucket`s (the report has no request count). The cost report's `amount`
is CENTS as a decimal string: dollars = Decimal(amount) / 100, exactly.
Claude Code analytics (per day, per user or key, per model) go to their own
table: those tokens are already inside the Messages report.
See reference/providers.md section 2.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace

from tracker.core.money import usd_to_pico
from tracker.core.provider_records import ClaudeCodeRow
from tracker.core.records import BilledLine, UsageBucket
from tracker.core.tokens import Tokens
from tracker.core.units import MAX_UNIT_COUNT, WEB_SEARCHES
from tracker.net import HttpClient, HttpOptions
from tracker.sources.base import (
    DAY_S,
    HOUR_S,
    BadRecord,
    Batch,
    HttpSource,
    Stream,
    as_decimal,
    as_int,
    as_str,
    day_of,
    days_in,
    epoch_s,
    merge_billed,
    merge_buckets,
    rfc3339,
)

KIND = "anthropic"
DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = "2023-06-01"
ADMIN_PREFIX = "sk-ant-admin"
KEY_NAMES = {"sk-ant-api": "a normal API key", "sk-ant-oat": "a Claude subscription (OAuth) token"}
ADMIN_KEY_HELP = (
    "The usage and cost reports need an Anthropic Admin key (organization accounts only): an admin creates "
    "one in the Console -> Settings -> Admin keys."
)
WIDTH_PARAM = {DAY_S: "1d", HOUR_S: "1h"}
MAX_BUCKETS = {DAY_S: 31, HOUR_S: 168}
COST_MAX_BUCKETS = 31
CLAUDE_CODE_PAGE_LIMIT = 1000
# context_window: the report has no request count, so a day's rows above 200k prompt tokens can
# only be priced at the long-context rates when grouped by it (services.ingest.bucket_tier_prompt).
# account_id / service_account_id (who made the calls) and inference_geo: kept for tagging rules.
GROUP_BY = ("model", "workspace_id", "api_key_id", "service_tier", "context_window", "inference_geo", "account_id",
            "service_account_id")
EXTRA_DIMS = ("context_window", "inference_geo", "account_id", "service_account_id")

# the cost report's breakdowns of a line (with group_by description): what kind of cost, which tokens
COST_BREAKDOWNS = ("cost_type", "token_type", "service_tier", "context_window", "inference_geo")

MESSAGES = Stream("messages", widths=(DAY_S, HOUR_S), max_buckets=MAX_BUCKETS, replaces_buckets=True)
COSTS = Stream("costs", widths=(DAY_S,), max_buckets={DAY_S: COST_MAX_BUCKETS}, billed=True)
CLAUDE_CODE = Stream("claude_code", widths=(DAY_S,), max_buckets={DAY_S: 1}, claude_code=True)


def cents_to_pico(value) -> int:
    """Anthropic money in cents (string or number) to exact picodollars."""
    return usd_to_pico(as_decimal(value, "amount").scaleb(-2))


class AnthropicSource(HttpSource):
    kind = KIND
    streams = (MESSAGES, COSTS, CLAUDE_CODE)

    admin_prefix, key_names, admin_key_help = ADMIN_PREFIX, KEY_NAMES, ADMIN_KEY_HELP

    def __init__(self, label: str, key: str, base_url: str | None = None, options: HttpOptions | None = None):
        self.label = label
        self._key = key
        self.client = HttpClient(
            base_url or DEFAULT_BASE_URL,
            {"x-api-key": key, "anthropic-version": API_VERSION},
            "Anthropic",
            secrets=[key],
            options=options,
        )

    def test(self) -> str:
        day = (int(time.time()) // DAY_S - 1) * DAY_S
        self._get("v1/organizations/cost_report", [("starting_at", rfc3339(day)), ("limit", 1)])
        return "Anthropic admin key accepted: usage and cost reports are readable."

    def fetch(self, stream: str, start_s: int, end_s: int, width_s: int, open_end: bool = False) -> Batch:
        # open_end: the range reaches past "now"; ending_at is left to the API's default (now).
        end_param = [] if open_end else [("ending_at", rfc3339(end_s))]
        if stream == MESSAGES.name:
            return self._messages(start_s, end_s, width_s, end_param)
        if stream == COSTS.name:
            return self._costs(start_s, end_s, end_param)
        if stream == CLAUDE_CODE.name:
            batch = Batch()
            for day in days_in(start_s, end_s):
                batch.extend(self._claude_code(day))
            return batch
        raise ValueError(f"anthropic has no stream {stream!r}")

    def snapshot(self, stream: str, now_ms: int) -> Batch:
        raise ValueError(f"anthropic has no snapshot stream {stream!r}")


    def _buckets(self, path: str, params: list, start_s: int, end_s: int, batch: Batch) -> Iterable[tuple[int, list]]:
        """(start, results) of each bucket once: a bucket repeated by an overlapping page is not summed twice."""
        seen: set[int] = set()
        for data in self._pages(path, params):
            for bucket in data:
                try:
                    begin = epoch_s(bucket.get("starting_at"), "starting_at")
                    results = bucket.get("results")
                    if not isinstance(results, list):
                        raise BadRecord("bucket without results")
                except (BadRecord, AttributeError) as exc:
                    batch.rejected.append(f"anthropic bucket: {exc}")
                    continue
                if start_s <= begin < end_s and begin not in seen:
                    seen.add(begin)
                    yield begin, results

    # -- messages usage -----------------------------------------------------
    def _messages(self, start_s: int, end_s: int, width_s: int, end_param: list) -> Batch:
        batch = Batch()
        limit = max(1, min(MAX_BUCKETS[width_s], -(-(end_s - start_s) // width_s)))
        params = [("starting_at", rfc3339(start_s)), *end_param, ("bucket_width", WIDTH_PARAM[width_s]),
                  ("limit", limit)]
        params += [("group_by[]", dim) for dim in GROUP_BY]
        for begin, results in self._buckets("v1/organizations/usage_report/messages", params, start_s, end_s, batch):
            for r in results:
                try:
                    batch.buckets.append(self._bucket(begin, width_s, r))
                except (BadRecord, AttributeError, TypeError) as exc:
                    batch.rejected.append(f"anthropic usage row at {rfc3339(begin)}: {exc}")
        batch.buckets = merge_buckets(batch.buckets)
        return batch

    def _bucket(self, start_s: int, width_s: int, r: dict) -> UsageBucket:
        if not isinstance(r, dict):
            raise BadRecord("row is not an object")
        creation = r.get("cache_creation") or {}
        if not isinstance(creation, dict):
            raise BadRecord("cache_creation is not an object")
        tool_use = r.get("server_tool_use") or {}
        if not isinstance(tool_use, dict):
            raise BadRecord("server_tool_use is not an object")
        searches = as_int(tool_use.get("web_search_requests"), "web_search_requests")
        if searches > MAX_UNIT_COUNT:
            raise BadRecord("web_search_requests is out of range")
        tier = as_str(r.get("service_tier"))
        extra = {d: as_str(r.get(d)) for d in EXTRA_DIMS if r.get(d) is not None}
        return UsageBucket(
            source=KIND, account=self.label, kind="messages", start_s=start_s, width_s=width_s,
            model=as_str(r.get("model")),
            tokens=Tokens(
                input_tokens=as_int(r.get("uncached_input_tokens"), "uncached_input_tokens"),
                cache_read_tokens=as_int(r.get("cache_read_input_tokens"), "cache_read_input_tokens"),
                cache_write_5m_tokens=as_int(creation.get("ephemeral_5m_input_tokens"), "ephemeral_5m_input_tokens"),
                cache_write_1h_tokens=as_int(creation.get("ephemeral_1h_input_tokens"), "ephemeral_1h_input_tokens"),
                output_tokens=as_int(r.get("output_tokens"), "output_tokens"),
            ),
            requests=None,  # the report has no request count
            quantity=searches or None, quantity_unit="web_search_requests" if searches else None,
            api_key_id=as_str(r.get("api_key_id")), workspace_id=as_str(r.get("workspace_id")),
            service_tier=tier, batch=True if tier == "batch" else None, provider=KIND,
            extra=extra or None, units={WEB_SEARCHES: searches} if searches else None,
        )

    # -- cost report --------------------------------------------------------
    def _costs(self, start_s: int, end_s: int, end_param: list) -> Batch:
        batch = Batch()
        limit = max(1, min(COST_MAX_BUCKETS, -(-(end_s - start_s) // DAY_S)))
        params = [("starting_at", rfc3339(start_s)), *end_param, ("bucket_width", "1d"),
                  ("limit", limit), ("group_by[]", "workspace_id"), ("group_by[]", "description")]
        for begin, results in self._buckets("v1/organizations/cost_report", params, start_s, end_s, batch):
            for r in results:
                try:
                    if not isinstance(r, dict):
                        raise BadRecord("row is not an object")
                    item = as_str(r.get("description")) or as_str(r.get("cost_type")) or "(all line items)"
                    batch.billed.append(BilledLine(
                        source=KIND, account=self.label, day=day_of(begin), line_item=item,
                        amount_pico=cents_to_pico(r.get("amount")), currency=as_str(r.get("currency")) or "USD",
                        workspace_id=as_str(r.get("workspace_id")), model=as_str(r.get("model")),
                        **{name: as_str(r.get(name)) for name in COST_BREAKDOWNS},
                    ))
                except BadRecord as exc:
                    batch.rejected.append(f"anthropic cost row at {rfc3339(begin)}: {exc}")
        batch.billed = merge_billed(batch.billed)
        return batch

    # -- Claude Code analytics ----------------------------------------------
    def _claude_code(self, day: str) -> Batch:
        batch = Batch()
        merged: dict[str, ClaudeCodeRow] = {}
        params = [("starting_at", day), ("limit", CLAUDE_CODE_PAGE_LIMIT)]
        for data in self._pages("v1/organizations/usage_report/claude_code", params):
            for record in data:
                try:
                    for row in self._claude_code_rows(day, record):
                        key = row.natural_key()
                        have = merged.get(key)
                        merged[key] = row if have is None else _sum_rows(have, row)
                except (BadRecord, AttributeError, TypeError) as exc:
                    batch.rejected.append(f"anthropic claude_code record on {day}: {exc}")
        batch.claude_code = list(merged.values())
        return batch

    def _claude_code_rows(self, day: str, rec: dict) -> list[ClaudeCodeRow]:
        if not isinstance(rec, dict):
            raise BadRecord("record is not an object")
        actor = rec.get("actor") or {}
        if not isinstance(actor, dict):
            raise BadRecord("actor is not an object")
        who = as_str(actor.get("email_address")) or as_str(actor.get("api_key_name")) or "unknown"
        actor_key = f"{'api' if actor.get('type') == 'api_actor' else 'user'}:{who}"
        extra_key = "|".join(str(rec.get(k)) for k in ("terminal_type", "is_remote", "customer_type"))
        details = {k: rec.get(k) for k in ("customer_type", "subscription_type", "terminal_type", "is_remote",
                                            "core_metrics", "tool_actions") if k in rec}
        breakdown = rec.get("model_breakdown") or []
        if not isinstance(breakdown, list):
            raise BadRecord("model_breakdown is not a list")
        rows = []
        for entry in breakdown or [{}]:
            tokens = entry.get("tokens") or {}
            cost = entry.get("estimated_cost") or {}
            rows.append(ClaudeCodeRow(
                account=self.label, day=day, actor=actor_key, model=as_str(entry.get("model")) or "",
                input_tokens=as_int(tokens.get("input"), "tokens.input"),
                output_tokens=as_int(tokens.get("output"), "tokens.output"),
                cache_read_tokens=as_int(tokens.get("cache_read"), "tokens.cache_read"),
                cache_write_tokens=as_int(tokens.get("cache_creation"), "tokens.cache_creation"),
                estimated_cost_pico=cents_to_pico(cost["amount"]) if cost.get("amount") is not None else None,
                details=details, extra_key=extra_key,
            ))
        return rows


def _sum_rows(a: ClaudeCodeRow, b: ClaudeCodeRow) -> ClaudeCodeRow:
    cost = None if a.estimated_cost_pico is None and b.estimated_cost_pico is None else (
        (a.estimated_cost_pico or 0) + (b.estimated_cost_pico or 0))
    return replace(a, input_tokens=a.input_tokens + b.input_tokens, output_tokens=a.output_tokens + b.output_tokens,
                   cache_read_tokens=a.cache_read_tokens + b.cache_read_tokens,
                   cache_write_tokens=a.cache_write_tokens + b.cache_write_tokens, estimated_cost_pico=cost)
