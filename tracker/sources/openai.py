"""OpenAI organization Usage API and Costs API (admin key).

Usage: ten endpoints, each grouped so that usage is attributed to model,
project, user and API key (completions also to batch and service tier), read
into `UsageBucket`s. OpenAI's `input_tokens` INCLUDES cached (and cache-write)
tokens; the tracker's input is uncached, so it is `input_uncached_tokens` when
the provider sends it, else input - cached - cache_write. Audio and image
tokens (part of those), speech characters, transcription seconds and web and
file search calls are kept as price units (core.units), priced at their own
rates, not as text.
Costs: per day, line item, project and API key, into `BilledLine`s (USD, exact).
See reference/providers.md section 1.
"""

from __future__ import annotations

import time

from tracker.core.money import usd_to_pico
from tracker.core.records import BilledLine, UsageBucket
from tracker.core.tokens import Tokens
from tracker.core.units import (
    CACHED_AUDIO,
    CACHED_IMAGE,
    FILE_SEARCHES,
    INPUT_AUDIO,
    INPUT_AUDIO_SECONDS,
    INPUT_CHARACTERS,
    INPUT_IMAGE,
    OUTPUT_AUDIO,
    OUTPUT_IMAGE,
    WEB_SEARCHES,
    BadUnits,
    clean_units,
)
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
    merge_billed,
    merge_buckets,
)

KIND = "openai"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
ADMIN_PREFIX = "sk-admin-"
KEY_NAMES = {"sk-proj-": "a project key", "sk-svcacct-": "a service-account key", "sk-": "a user API key"}
ADMIN_KEY_HELP = (
    "The usage and cost API needs an OpenAI Admin key: an organization Owner creates one at "
    "platform.openai.com -> Settings -> Organization -> Admin keys."
)
WIDTH_PARAM = {DAY_S: "1d", HOUR_S: "1h"}
MAX_BUCKETS = {DAY_S: 31, HOUR_S: 168}  # usage endpoints' page limits
COSTS_MAX_BUCKETS = 180

# endpoint -> dimensions grouped on (all the API offers that identify who spent)
USAGE_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "completions": ("model", "project_id", "user_id", "api_key_id", "batch", "service_tier"),
    "embeddings": ("model", "project_id", "user_id", "api_key_id"),
    "moderations": ("model", "project_id", "user_id", "api_key_id"),
    "images": ("model", "project_id", "user_id", "api_key_id", "size", "source"),
    "audio_speeches": ("model", "project_id", "user_id", "api_key_id"),
    "audio_transcriptions": ("model", "project_id", "user_id", "api_key_id"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "web_search_calls": ("model", "project_id", "user_id", "api_key_id", "context_level"),
    "file_search_calls": ("project_id", "user_id", "api_key_id", "vector_store_id"),
}
# non-token endpoints: (result field, unit stored in UsageBucket.quantity_unit, price unit or None)
QUANTITIES = {
    "images": ("images", "images", None),
    "audio_speeches": ("characters", "characters", INPUT_CHARACTERS),
    "audio_transcriptions": ("seconds", "seconds", INPUT_AUDIO_SECONDS),
    "vector_stores": ("usage_bytes", "bytes", None),
    "code_interpreter_sessions": ("num_sessions", "sessions", None),
    # tool calls: the model requests that made them are in completions already, so no request count
    "web_search_calls": ("num_requests", "calls", WEB_SEARCHES),
    "file_search_calls": ("num_requests", "calls", FILE_SEARCHES),
}
# endpoints whose results count model requests (num_model_requests) of their own
COUNTS_REQUESTS = ("completions", "embeddings", "moderations", "images", "audio_speeches", "audio_transcriptions")
EXTRA_DIMS = ("size", "source", "user_id", "context_level", "vector_store_id")
# completions' modality fields (part of input, cached input or output tokens) -> price units
MODALITY_UNITS = {
    "input_audio_tokens": INPUT_AUDIO, "input_cached_audio_tokens": CACHED_AUDIO, "output_audio_tokens": OUTPUT_AUDIO,
    "input_image_tokens": INPUT_IMAGE, "input_cached_image_tokens": CACHED_IMAGE, "output_image_tokens": OUTPUT_IMAGE,
}

USAGE = Stream("usage", widths=(DAY_S, HOUR_S), max_buckets=MAX_BUCKETS, replaces_buckets=True)
COSTS = Stream("costs", widths=(DAY_S,), max_buckets={DAY_S: COSTS_MAX_BUCKETS}, billed=True)


class OpenAISource(HttpSource):
    kind = KIND
    streams = (USAGE, COSTS)

    admin_prefix, key_names, admin_key_help = ADMIN_PREFIX, KEY_NAMES, ADMIN_KEY_HELP

    def __init__(self, label: str, key: str, base_url: str | None = None, options: HttpOptions | None = None):
        self.label = label
        self._key = key
        self.client = HttpClient(
            base_url or DEFAULT_BASE_URL, {"Authorization": f"Bearer {key}"}, "OpenAI", secrets=[key], options=options
        )

    def test(self) -> str:
        now = int(time.time())
        self._get("organization/costs", [("start_time", now - DAY_S), ("bucket_width", "1d"), ("limit", 1)])
        return "OpenAI admin key accepted: organization usage and costs are readable."

    def fetch(self, stream: str, start_s: int, end_s: int, width_s: int, open_end: bool = False) -> Batch:
        # open_end: the range reaches past "now"; the end is left to the API's default (now) rather
        # than sending a future end_time, and buckets are kept to [start_s, end_s) here.
        end_param = [] if open_end else [("end_time", end_s)]
        if stream == USAGE.name:
            batch = Batch()
            for endpoint in USAGE_ENDPOINTS:
                batch.extend(self._usage(endpoint, start_s, end_s, width_s, end_param))
            batch.buckets = merge_buckets(batch.buckets)
            return batch
        if stream == COSTS.name:
            return self._costs(start_s, end_s, end_param)
        raise ValueError(f"openai has no stream {stream!r}")

    def snapshot(self, stream: str, now_ms: int) -> Batch:
        raise ValueError(f"openai has no snapshot stream {stream!r}")

    # -- paging -------------------------------------------------------------

    def _buckets_in(self, data: list, start_s: int, end_s: int, batch: Batch, seen: set[int]):
        """(start, results) of each bucket in [start_s, end_s) not already read from an earlier page.

        A time bucket comes once; when pages overlap (a cursor replayed, a page
        served twice) the repeat is the same bucket again: summing it would
        double-count, so it is skipped.
        """
        for bucket in data:
            try:
                begin = as_int(bucket.get("start_time"), "start_time", None)
                results = bucket.get("results")
                if begin is None or not isinstance(results, list):
                    raise BadRecord("bucket without start_time or results")
            except (BadRecord, AttributeError) as exc:
                batch.rejected.append(f"openai bucket: {exc}")
                continue
            if start_s <= begin < end_s and begin not in seen:  # the first bucket may start at start_time itself
                seen.add(begin)
                yield begin, results

    # -- usage --------------------------------------------------------------
    def _usage(self, endpoint: str, start_s: int, end_s: int, width_s: int, end_param: list) -> Batch:
        batch = Batch()
        limit = max(1, min(MAX_BUCKETS[width_s], -(-(end_s - start_s) // width_s)))
        params = [("start_time", start_s), *end_param, ("bucket_width", WIDTH_PARAM[width_s]), ("limit", limit)]
        params += [("group_by", dim) for dim in USAGE_ENDPOINTS[endpoint]]
        seen: set[int] = set()
        for data in self._pages(f"organization/usage/{endpoint}", params):
            for begin, results in self._buckets_in(data, start_s, end_s, batch, seen):
                for result in results:
                    try:
                        batch.buckets.append(self._bucket(endpoint, begin, width_s, result))
                    except (BadRecord, AttributeError, TypeError) as exc:
                        batch.rejected.append(f"openai {endpoint} result at {begin}: {exc}")
        return batch

    def _bucket(self, endpoint: str, start_s: int, width_s: int, r: dict) -> UsageBucket:
        if not isinstance(r, dict):
            raise BadRecord("result is not an object")
        tokens = Tokens()
        requests = None
        quantity = unit = None
        units: dict[str, int] = {}
        if endpoint == "completions":
            total_in = as_int(r.get("input_tokens"), "input_tokens")
            cached = as_int(r.get("input_cached_tokens"), "input_cached_tokens")
            cache_write = as_int(r.get("input_cache_write_tokens"), "input_cache_write_tokens")
            uncached = as_int(r.get("input_uncached_tokens"), "input_uncached_tokens", None)
            if uncached is None:
                uncached = total_in - cached - cache_write
            if uncached < 0:
                raise BadRecord("cached input exceeds input_tokens")
            tokens = Tokens(input_tokens=uncached, cache_read_tokens=cached, cache_write_5m_tokens=cache_write,
                            output_tokens=as_int(r.get("output_tokens"), "output_tokens"))
            units = {unit_name: as_int(r.get(field), field) for field, unit_name in MODALITY_UNITS.items()}
        elif endpoint in ("embeddings", "moderations"):
            tokens = Tokens(input_tokens=as_int(r.get("input_tokens"), "input_tokens"))
        else:
            # Counted in images, characters, seconds, bytes, sessions or tool calls. Those with a price
            # unit are priced per unit where the model's price has a rate; the others (images, bytes,
            # sessions) stay unpriced (not $0): the costs endpoint carries what they cost.
            field, unit, price_unit = QUANTITIES[endpoint]
            quantity = as_int(r.get(field), field)
            if price_unit:
                units = {price_unit: quantity}
        if endpoint in COUNTS_REQUESTS:
            requests = as_int(r.get("num_model_requests"), "num_model_requests")
        try:
            units = clean_units(tokens, units)
        except BadUnits as exc:
            raise BadRecord(str(exc)) from None
        batch_flag = r.get("batch")
        extra = {d: as_str(r.get(d)) for d in EXTRA_DIMS if d in USAGE_ENDPOINTS[endpoint] and r.get(d) is not None}
        return UsageBucket(
            source=KIND, account=self.label, kind=endpoint, start_s=start_s, width_s=width_s,
            model=as_str(r.get("model")), tokens=tokens, requests=requests, quantity=quantity, quantity_unit=unit,
            project_id=as_str(r.get("project_id")), api_key_id=as_str(r.get("api_key_id")),
            service_tier=as_str(r.get("service_tier")), batch=batch_flag if isinstance(batch_flag, bool) else None,
            provider=KIND, extra=extra or None, units=units,
        )

    # -- costs --------------------------------------------------------------
    def _costs(self, start_s: int, end_s: int, end_param: list) -> Batch:
        batch = Batch()
        limit = max(1, min(COSTS_MAX_BUCKETS, -(-(end_s - start_s) // DAY_S)))
        params = [("start_time", start_s), *end_param, ("bucket_width", "1d"), ("limit", limit),
                  ("group_by", "line_item"), ("group_by", "project_id"), ("group_by", "api_key_id")]
        seen: set[int] = set()
        for data in self._pages("organization/costs", params):
            for begin, results in self._buckets_in(data, start_s, end_s, batch, seen):
                for r in results:
                    try:
                        if not isinstance(r, dict):
                            raise BadRecord("result is not an object")
                        amount = r.get("amount")
                        if not isinstance(amount, dict):
                            raise BadRecord("amount is missing")
                        value = as_decimal(amount.get("value"), "amount.value")
                        item = as_str(r.get("line_item")) or "(all line items)"
                        batch.billed.append(BilledLine(
                            source=KIND, account=self.label, day=day_of(begin), line_item=item,
                            amount_pico=usd_to_pico(value), currency=(as_str(amount.get("currency")) or "usd").upper(),
                            project_id=as_str(r.get("project_id")), api_key_id=as_str(r.get("api_key_id")),
                            model=item.split(", ")[0] if ", " in item else None,
                        ))
                    except BadRecord as exc:
                        batch.rejected.append(f"openai cost result at {begin}: {exc}")
        batch.billed = merge_billed(batch.billed)
        return batch
