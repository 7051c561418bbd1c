"""OpenRouter: key usage and limits, credits balance, activity per day and model.

`/key` works with any key; `/activity` (and, per the current spec, `/credits`)
needs a management key: a normal key gets 403, which becomes a note telling the
user what to do, not a failing account. Activity rows carry OpenRouter's own
charge (`usage`, USD) and the spend on the user's own provider keys
(`byok_usage_inference`): both are the reported cost of each bucket, the BYOK
part also kept apart (`byok_cost_pico`).
See reference/providers.md section 3.
"""

from __future__ import annotations

from datetime import datetime
from datetime import time as dtime

from tracker.core.money import usd_to_pico
from tracker.core.provider_records import BalanceSnapshot
from tracker.core.records import UsageBucket
from tracker.core.timeutil import UTC, parse_day
from tracker.core.tokens import Tokens
from tracker.net import HttpClient, HttpOptions, RequestRejected
from tracker.sources.base import (
    DAY_S,
    BadRecord,
    Batch,
    HttpSource,
    Stream,
    as_decimal,
    as_int,
    as_list,
    as_str,
    days_in,
    merge_buckets,
)

KIND = "openrouter"
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
ACTIVITY_HISTORY_DAYS = 30
MANAGEMENT_KEY_HELP = (
    "needs an OpenRouter management key (openrouter.ai -> Settings -> Management keys); a normal API key only "
    "shows this key's own spend and limits. Add the management key with `tracker sources add openrouter`."
)

KEY = Stream("key", snapshot=True)
CREDITS = Stream("credits", snapshot=True, optional_permission=MANAGEMENT_KEY_HELP)
# The default /activity call covers the last 30 completed UTC days; today needs ?date=.
ACTIVITY = Stream("activity", widths=(DAY_S,), max_buckets={DAY_S: ACTIVITY_HISTORY_DAYS},
                  history_days=ACTIVITY_HISTORY_DAYS, replaces_buckets=True, optional_permission=MANAGEMENT_KEY_HELP,
                  today_alone=True)
KEY_METRICS = {
    "usage": "key_usage", "usage_daily": "key_usage_daily", "usage_weekly": "key_usage_weekly",
    "usage_monthly": "key_usage_monthly", "limit": "key_limit", "limit_remaining": "key_limit_remaining",
    "byok_usage": "key_byok_usage",
}


def _day_start(day: str) -> int:
    return int(datetime.combine(parse_day(day), dtime(0), UTC).timestamp())


class OpenRouterSource(HttpSource):
    kind = KIND
    streams = (KEY, CREDITS, ACTIVITY)

    def __init__(self, label: str, key: str, base_url: str | None = None, options: HttpOptions | None = None):
        self.label = label
        self.client = HttpClient(base_url or DEFAULT_BASE_URL, {"Authorization": f"Bearer {key}"}, "OpenRouter",
                                 secrets=[key], options=options)
        self.is_management_key: bool | None = None

    def _key_info(self) -> dict:
        try:
            doc = self.client.get_json("key")
        except RequestRejected as exc:
            if exc.status != 404:
                raise
            doc = self.client.get_json("auth/key")  # the legacy path, still served
        data = doc.get("data") if isinstance(doc, dict) else None
        if not isinstance(data, dict):
            raise BadRecord("/key response has no data object")
        flag = data.get("is_management_key", data.get("is_provisioning_key"))
        self.is_management_key = bool(flag) if flag is not None else None
        return data

    def test(self) -> str:
        self._key_info()
        if self.is_management_key:
            return "OpenRouter management key accepted: key limits, credits and per-model activity are readable."
        return ("OpenRouter key accepted: this key's spend and limits are readable. Per-model daily activity "
                + MANAGEMENT_KEY_HELP)

    def snapshot(self, stream: str, now_ms: int) -> Batch:
        batch = Batch()
        if stream == KEY.name:
            data = self._key_info()
            for field, metric in KEY_METRICS.items():
                if data.get(field) is None:
                    continue
                try:
                    batch.balances.append(BalanceSnapshot(KIND, self.label, now_ms, metric, "USD",
                                                          usd_to_pico(as_decimal(data[field], field))))
                except BadRecord as exc:
                    batch.rejected.append(f"openrouter /key: {exc}")
            return batch
        if stream == CREDITS.name:
            doc = self.client.get_json("credits")
            data = doc.get("data") if isinstance(doc, dict) else None
            try:
                if not isinstance(data, dict):
                    raise BadRecord("/credits response has no data object")
                total = usd_to_pico(as_decimal(data.get("total_credits"), "total_credits"))
                used = usd_to_pico(as_decimal(data.get("total_usage"), "total_usage"))
            except BadRecord as exc:
                batch.rejected.append(f"openrouter /credits: {exc}")
                return batch
            for metric, amount in (("credits_total", total), ("credits_used", used), ("balance", total - used)):
                batch.balances.append(BalanceSnapshot(KIND, self.label, now_ms, metric, "USD", amount))
            return batch
        raise ValueError(f"openrouter has no snapshot stream {stream!r}")

    def fetch(self, stream: str, start_s: int, end_s: int, width_s: int, open_end: bool = False) -> Batch:
        if stream != ACTIVITY.name:
            raise ValueError(f"openrouter has no stream {stream!r}")
        wanted = set(days_in(start_s, end_s))
        # One day (today, which the default call leaves out) is asked by date;
        # a longer range takes the one default call and keeps its days.
        params = [("date", next(iter(wanted)))] if len(wanted) == 1 else []
        doc = self.client.get_json("activity", params)
        batch = Batch()
        try:
            rows = as_list(doc, "data")
        except BadRecord as exc:
            batch.rejected.append(f"openrouter /activity: {exc}")
            return batch
        for row in rows:
            try:
                if not isinstance(row, dict):
                    raise BadRecord("row is not an object")
                day = as_str(row.get("date"))
                if day is None:
                    raise BadRecord("row has no date")
                day = day[:10]
                if day not in wanted:
                    continue
                output = as_int(row.get("completion_tokens"), "completion_tokens")
                reasoning = min(as_int(row.get("reasoning_tokens"), "reasoning_tokens"), output)
                provider_name = as_str(row.get("provider_name"))
                byok = (None if row.get("byok_usage_inference") is None
                        else usd_to_pico(as_decimal(row["byok_usage_inference"], "byok_usage_inference")))
                if byok is not None and byok < 0:
                    raise BadRecord("byok_usage_inference is negative")
                batch.buckets.append(UsageBucket(
                    source=KIND, account=self.label, kind="activity", start_s=_day_start(day), width_s=DAY_S,
                    model=as_str(row.get("model")) or as_str(row.get("model_permaslug")),
                    tokens=Tokens(input_tokens=as_int(row.get("prompt_tokens"), "prompt_tokens"),
                                  output_tokens=output, reasoning_tokens=reasoning),
                    requests=as_int(row.get("requests"), "requests"), provider=KIND,
                    extra={"provider_name": provider_name} if provider_name else None,
                    # no usage figure (absent or null): priced from the tokens like any other source,
                    # never a reported $0 (and never the whole row dropped); spend billed to the user's own
                    # provider keys (BYOK) is spend too: part of the row's cost, and kept apart as well
                    reported_cost_pico=(None if row.get("usage") is None else usd_to_pico(
                        as_decimal(row["usage"], "usage")) + (byok or 0)),
                    byok_cost_pico=byok,
                ))
            except (BadRecord, ValueError) as exc:
                batch.rejected.append(f"openrouter activity row: {exc}")
        batch.buckets = merge_buckets(batch.buckets)
        return batch
