"""Fake provider APIs: real HTTP servers on 127.0.0.1 serving the seeded datasets.

Each fake implements the documented request and response shapes
(reference/providers.md sections 1-4 and the checklist in section 7): page
limits, cursors, empty buckets, a first bucket that starts at the requested
start, unknown extra fields, both `group_by` encodings, auth failures, and
seeded faults (429 with Retry-After, 500, slow answers, truncated bodies,
connection resets, overlapping pages).
"""

from __future__ import annotations

import base64
import json
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.fakes.dataset import (
    DAY_S,
    HOUR_S,
    OPENAI_QUANTITY,
    AnthropicData,
    DeepSeekData,
    OpenAIData,
    OpenRouterData,
    day_of,
)

WIDTHS = {"1m": 60, "1h": HOUR_S, "1d": DAY_S}
USAGE_LIMITS = {"1m": (60, 1440), "1h": (24, 168), "1d": (7, 31)}  # (default, max)
SHUTDOWN_POLL_S = 0.02  # serve_forever's default 0.5 s makes every stop() wait that long
EXTRA = {"x_unknown_field": {"added": "later"}}  # providers add fields: clients must ignore them


@dataclass
class Faults:
    """Seeded fault injection; rates are per request."""

    seed: int = 0
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_slow: float = 0.0
    rate_truncate: float = 0.0
    rate_reset: float = 0.0  # the connection is reset (RST) before any answer
    rate_duplicate: float = 0.0  # a later page repeats the previous page's last bucket (pages overlap)
    slow_s: float = 0.5
    retry_after: str = "1"  # header value sent with 429 ("1", an HTTP date, or "ms:5" for retry-after-ms)
    fail_after: int | None = None  # every request after this many answers 503 (an outage)
    script: list[str] = field(default_factory=list)  # faults for the first requests, in order ("" = none)
    truncate_mode: str = "random"  # "dropped" (connection closes early), "broken_json", or either at random
    rng: random.Random = field(default=None, repr=False)

    def __post_init__(self):
        self.rng = random.Random(self.seed)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):  # clients that time out close early: not news
        pass


class FakeProvider:
    """One provider on 127.0.0.1:<free port>; `base_url` is what the tracker is given."""

    name = "fake"
    url_prefix = ""

    def __init__(self, keys: dict[str, str] | None = None, faults: Faults | None = None,
                 max_page_buckets: int | None = None):
        self.keys = keys or {}
        self.faults = faults or Faults()
        self.max_page_buckets = max_page_buckets  # force short pages to exercise cursors
        self.log: list[tuple[str, int]] = []  # (path, status)
        self.queries: list[tuple[str, dict]] = []  # (path, parsed query) of every request
        self.answered = 0
        self.fault_counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> "FakeProvider":
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

            def do_GET(self):
                provider._handle(self)

            def log_message(self, *args):
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S},
                                        name=f"fake-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.root_url + self.url_prefix

    def requests_to(self, fragment: str = "") -> int:
        return sum(1 for path, _ in self.log if fragment in path)

    # -- plumbing --
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self._lock:
            self.queries.append((parts.path, query))
            fault = self._pick_fault()
            if fault == "duplicate" and not self.can_duplicate(parts.path, query):
                fault = None  # only a later page of a bucketed endpoint can overlap its predecessor
            if fault:
                self.fault_counts[fault] = self.fault_counts.get(fault, 0) + 1
        if fault == "reset":
            return self._reset(h, parts.path)
        if fault == "duplicate":
            query = dict(query, _overlap=["1"])
        if fault == "outage":
            return self._send(h, parts.path, 503, self.error_body(503, "service unavailable"), {})
        if fault == "429":
            extra = ({"retry-after-ms": self.faults.retry_after[3:]} if self.faults.retry_after.startswith("ms:")
                     else {"retry-after": self.faults.retry_after})
            return self._send(h, parts.path, 429, self.error_body(429, "Rate limit exceeded"), extra)
        if fault == "500":
            return self._send(h, parts.path, 500, self.error_body(500, "Internal server error"), {})
        if fault == "slow":
            time.sleep(self.faults.slow_s)
        try:
            status, body, extra = self.route(parts.path, query, headers)
        except BadQuery as exc:
            status, body, extra = 400, self.error_body(400, str(exc)), {}
        self._send(h, parts.path, status, body, extra, truncate=fault == "truncate")

    def _pick_fault(self) -> str | None:
        f = self.faults
        if f.fail_after is not None and self.answered >= f.fail_after:
            return "outage"
        self.answered += 1
        if f.script:
            return f.script.pop(0) or None
        roll = f.rng.random()
        for name, rate in (("429", f.rate_429), ("500", f.rate_500), ("slow", f.rate_slow),
                           ("truncate", f.rate_truncate), ("reset", f.rate_reset),
                           ("duplicate", f.rate_duplicate)):
            if roll < rate:
                return name
            roll -= rate
        return None

    def _send(self, h, path: str, status: int, body, extra: dict, truncate: bool = False) -> None:
        data = json.dumps(body, default=_json_default).encode()
        with self._lock:
            self.log.append((path, status))
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            for k, v in extra.items():
                h.send_header(k, v)
            mode = self.faults.truncate_mode
            if truncate and mode == "random":
                mode = "dropped" if self.faults.rng.random() < 0.5 else "broken_json"
            if truncate and mode == "dropped":
                # the promised length, half the bytes, then the connection drops
                h.send_header("Content-Length", str(len(data)))
                h.send_header("Connection", "close")
                h.end_headers()
                h.wfile.write(data[: len(data) // 2])
                h.close_connection = True
                return
            if truncate:
                data = data[: len(data) // 2]  # a complete response of broken JSON
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _reset(self, h, path: str) -> None:
        """Close with SO_LINGER 0: the client sees ECONNRESET, not a clean end of stream."""
        with self._lock:
            self.log.append((path, 0))
        try:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        h.close_connection = True

    def can_duplicate(self, path: str, query: dict) -> bool:
        return False

    # -- to implement --
    def route(self, path: str, query: dict, headers: dict) -> tuple[int, object, dict]:
        raise NotImplementedError

    def error_body(self, status: int, message: str) -> dict:
        return {"error": {"message": message, "type": "error", "param": None, "code": None}}


class BadQuery(Exception):
    pass


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)  # shortest repr round-trips: the client parses it back exactly
    raise TypeError(type(value))


def _arg(query: dict, name: str, default=None):
    values = query.get(name)
    return values[-1] if values else default


def _array(query: dict, name: str) -> list[str]:
    """Both encodings: name=a&name=b and name[]=a&name[]=b."""
    return query.get(name, []) + query.get(f"{name}[]", [])


def _int(query: dict, name: str, default=None) -> int | None:
    raw = _arg(query, name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be an integer") from None


def _encode_page(value: int) -> str:
    return "page_" + base64.b64encode(str(value).encode()).decode()


def _decode_page(token: str) -> int:
    try:
        return int(base64.b64decode(token.removeprefix("page_")).decode())
    except Exception:
        raise BadQuery("invalid page token") from None


def _overlap(query: dict, window: list[tuple[int, int]], first: int, width: int) -> list[tuple[int, int]]:
    """A "duplicate" fault: a later page begins with the bucket the previous page ended with."""
    if not _arg(query, "_overlap"):
        return window
    previous = (first - 1) // width * width
    return [(previous, first)] + window


def _bucket_starts(start: int, end: int, width: int) -> list[tuple[int, int]]:
    """First bucket from `start` itself to the next boundary, then aligned buckets."""
    out = []
    cursor = start
    while cursor < end:
        stop = (cursor // width + 1) * width
        out.append((cursor, stop))
        cursor = stop
    return out


def _group(rows, group_by: list[str], dims: tuple[str, ...]):
    groups: dict[tuple, list] = {}
    for row in rows:
        key = tuple(row.dims.get(d) if d in group_by else None for d in dims)
        groups.setdefault(key, []).append(row)
    return groups


def _rfc(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_rfc(text: str | None, name: str) -> int:
    if not text:
        raise BadQuery(f"{name} is required")
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        raise BadQuery(f"{name} must be RFC 3339") from None


# -- OpenAI -------------------------------------------------------------------
OPENAI_DIMS = {
    "completions": ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier"),
    "embeddings": ("project_id", "user_id", "api_key_id", "model"),
    "moderations": ("project_id", "user_id", "api_key_id", "model"),
    "images": ("project_id", "user_id", "api_key_id", "model", "size", "source"),
    "audio_speeches": ("project_id", "user_id", "api_key_id", "model"),
    "audio_transcriptions": ("project_id", "user_id", "api_key_id", "model"),
    "vector_stores": ("project_id",),
    "code_interpreter_sessions": ("project_id",),
    "web_search_calls": ("project_id", "user_id", "api_key_id", "model", "context_level"),
    "file_search_calls": ("project_id", "user_id", "api_key_id", "vector_store_id"),
}
# the result `object` of the search endpoints is not named after their paths (providers.md 1.2)
OPENAI_RESULT_NAMES = {"web_search_calls": "web_searches", "file_search_calls": "file_searches"}
MODALITY_FIELDS = ("input_audio_tokens", "output_audio_tokens", "input_cached_audio_tokens", "input_image_tokens",
                   "input_cached_image_tokens", "output_image_tokens")


class FakeOpenAI(FakeProvider):
    name = "openai"
    url_prefix = "/v1"

    def can_duplicate(self, path, query):
        return bool(_arg(query, "page")) and path.startswith(("/v1/organization/usage/", "/v1/organization/costs"))

    def __init__(self, data: OpenAIData, **kw):
        kw.setdefault("keys", {"sk-admin-fake-0001": "admin", "sk-proj-fake-0002": "project"})
        super().__init__(**kw)
        self.data = data

    def route(self, path, query, headers):
        auth = headers.get("authorization", "")
        key = auth.removeprefix("Bearer ").strip()
        role = self.keys.get(key)
        if role is None:
            return 401, {"error": {"message": f"Incorrect API key provided: {key}. You can find your API key at "
                                              "https://platform.openai.com/account/api-keys.",
                                   "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}, {}
        if role != "admin":
            return 403, {"error": {"message": "You have insufficient permissions for this operation. Missing scopes: "
                                              "api.usage.read.", "type": "invalid_request_error", "param": None,
                                   "code": None}}, {}
        if path.startswith("/v1/organization/usage/"):
            endpoint = path.rsplit("/", 1)[1]
            if endpoint not in OPENAI_DIMS:
                return 404, self.error_body(404, "not found"), {}
            return 200, self._usage(endpoint, query), {}
        if path == "/v1/organization/costs":
            return 200, self._costs(query), {}
        return 404, self.error_body(404, f"Invalid URL (GET {path})"), {}

    def _window(self, query, width_name: str, limits: tuple[int, int]):
        start = _int(query, "start_time")
        if start is None:
            raise BadQuery("start_time is required")
        end = _int(query, "end_time", self.data.now_s)
        default, maximum = limits
        limit = _int(query, "limit", default)
        if not 1 <= limit <= maximum:
            raise BadQuery(f"limit must be between 1 and {maximum}")
        width = WIDTHS[width_name]
        page = _arg(query, "page")
        first = _decode_page(page) if page else start
        starts = [b for b in _bucket_starts(first, min(end, self.data.now_s + 1), width)]
        size = min(limit, self.max_page_buckets or limit)
        return _overlap(query, starts[:size], first, width), (starts[size][0] if len(starts) > size else None)

    def _page(self, buckets, next_start):
        return {"object": "page", "data": buckets, "has_more": next_start is not None,
                "next_page": _encode_page(next_start) if next_start is not None else None, **EXTRA}

    def _usage(self, endpoint, query):
        width_name = _arg(query, "bucket_width", "1d")
        if width_name not in WIDTHS:
            raise BadQuery("bucket_width must be 1m, 1h or 1d")
        group_by = _array(query, "group_by")
        dims = OPENAI_DIMS[endpoint]
        if any(g not in dims for g in group_by):
            raise BadQuery(f"invalid group_by for {endpoint}")
        window, next_start = self._window(query, width_name, USAGE_LIMITS[width_name])
        buckets = []
        for b_start, b_end in window:
            results = []
            new_shape = day_of(b_start) in self.data.new_shape_days
            for key, rows in _group(self.data.usage[endpoint].between(b_start, b_end), group_by, dims).items():
                name = OPENAI_RESULT_NAMES.get(endpoint, endpoint)
                result = {"object": f"organization.usage.{name}.result", **dict(zip(dims, key)), **EXTRA}
                total = lambda name: sum(r.metrics.get(name, 0) for r in rows)  # noqa: E731
                result["num_model_requests"] = total("num_model_requests")
                if endpoint == "completions":
                    result.update(input_tokens=total("input_tokens"), output_tokens=total("output_tokens"),
                                  input_cached_tokens=total("input_cached_tokens"),
                                  input_audio_tokens=total("input_audio_tokens"),
                                  output_audio_tokens=total("output_audio_tokens"))
                    if new_shape:
                        result.update({f: total(f) for f in MODALITY_FIELDS})
                    if new_shape:
                        result.update(input_cache_write_tokens=total("input_cache_write_tokens"),
                                      input_uncached_tokens=total("input_tokens") - total("input_cached_tokens")
                                      - total("input_cache_write_tokens"), input_text_tokens=total("input_tokens"))
                elif endpoint in ("embeddings", "moderations"):
                    result["input_tokens"] = total("input_tokens")
                else:
                    result[OPENAI_QUANTITY[endpoint]] = total(OPENAI_QUANTITY[endpoint])
                    if endpoint in ("vector_stores", "code_interpreter_sessions", "file_search_calls"):
                        del result["num_model_requests"]
                results.append(result)
            buckets.append({"object": "bucket", "start_time": b_start, "end_time": b_end, "results": results})
        return self._page(buckets, next_start)

    def _costs(self, query):
        if _arg(query, "bucket_width", "1d") != "1d":
            raise BadQuery("costs only support bucket_width=1d")
        group_by = _array(query, "group_by")
        dims = ("line_item", "project_id", "api_key_id")
        window, next_start = self._window(query, "1d", (7, 180))
        buckets = []
        for b_start, b_end in window:
            results = []
            for key, rows in _group(self.data.costs.between(b_start, b_end), group_by, dims).items():
                amount = sum((r.metrics["amount"] for r in rows), Decimal(0))
                as_string = all(r.metrics["as_string"] for r in rows)
                results.append({"object": "organization.costs.result",
                                "amount": {"value": str(amount) if as_string else amount, "currency": "usd"},
                                **dict(zip(dims, key)), "quantity": None, "quantity_unit": None,
                                "organization_id": "org-fake"})
            buckets.append({"object": "bucket", "start_time": b_start, "end_time": b_end, "results": results})
        return self._page(buckets, next_start)


# -- Anthropic ----------------------------------------------------------------
ANTHROPIC_DIMS = ("api_key_id", "workspace_id", "model", "service_tier", "context_window", "inference_geo",
                  "account_id", "service_account_id")
COST_DESCRIPTION_DIMS = ("description", "cost_type", "model", "token_type", "service_tier", "context_window",
                         "inference_geo")


class FakeAnthropic(FakeProvider):
    name = "anthropic"

    def can_duplicate(self, path, query):
        return bool(_arg(query, "page")) and not path.endswith("/claude_code")

    def __init__(self, data: AnthropicData, **kw):
        kw.setdefault("keys", {"sk-ant-admin01-fake-0001": "admin", "sk-ant-api03-fake-0002": "api"})
        super().__init__(**kw)
        self.data = data
        self.request_counter = 0

    def error_body(self, status, message):
        kind = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 503: "overloaded_error"}
        return {"type": "error", "error": {"type": kind.get(status, "api_error"), "message": message},
                "request_id": "req_fake"}

    def route(self, path, query, headers):
        rid = {"request-id": "req_fake_0001"}
        role = self.keys.get(headers.get("x-api-key", ""))
        if role is None:
            return 401, self.error_body(401, "invalid x-api-key"), rid
        if not headers.get("anthropic-version"):
            return 400, self.error_body(400, "anthropic-version header is required"), rid
        if role != "admin":
            return 403, self.error_body(403, "This API key does not have permission; use an admin key."), rid
        if path == "/v1/organizations/usage_report/messages":
            return 200, self._messages(query), rid
        if path == "/v1/organizations/cost_report":
            return 200, self._costs(query), rid
        if path == "/v1/organizations/usage_report/claude_code":
            return 200, self._claude_code(query), rid
        return 404, self.error_body(404, "Not found"), rid

    def _window(self, query, width_name, limits):
        start = _parse_rfc(_arg(query, "starting_at"), "starting_at")
        width = WIDTHS[width_name]
        start = start // width * width  # snapped to the bucket start
        end_raw = _arg(query, "ending_at")
        end = _parse_rfc(end_raw, "ending_at") if end_raw else self.data.now_s + 1
        default, maximum = limits
        limit = _int(query, "limit", default)
        if not 1 <= limit <= maximum:
            raise BadQuery(f"limit must be between 1 and {maximum}")
        page = _arg(query, "page")
        first = _decode_page(page) if page else start
        starts = _bucket_starts(first, min(end, self.data.now_s + 1), width)
        size = min(limit, self.max_page_buckets or limit)
        return _overlap(query, starts[:size], first, width), (starts[size][0] if len(starts) > size else None)

    def _page(self, data, next_start):
        return {"data": data, "has_more": next_start is not None,
                "next_page": _encode_page(next_start) if next_start is not None else None}

    def _messages(self, query):
        width_name = _arg(query, "bucket_width", "1d")
        if width_name not in WIDTHS:
            raise BadQuery("bucket_width must be 1m, 1h or 1d")
        group_by = _array(query, "group_by")
        window, next_start = self._window(query, width_name, USAGE_LIMITS[width_name])
        out = []
        for b_start, b_end in window:
            results = []
            for key, rows in _group(self.data.messages.between(b_start, b_end), group_by, ANTHROPIC_DIMS).items():
                total = lambda name: sum(r.metrics[name] for r in rows)  # noqa: E731
                results.append({
                    "uncached_input_tokens": total("uncached_input_tokens"),
                    "cache_creation": {"ephemeral_5m_input_tokens": total("ephemeral_5m_input_tokens"),
                                       "ephemeral_1h_input_tokens": total("ephemeral_1h_input_tokens")},
                    "cache_read_input_tokens": total("cache_read_input_tokens"),
                    "output_tokens": total("output_tokens"),
                    "server_tool_use": {"web_search_requests": total("web_search_requests")},
                    **dict(zip(ANTHROPIC_DIMS, key)), **EXTRA,
                })
            out.append({"starting_at": _rfc(b_start), "ending_at": _rfc(b_end), "results": results})
        return self._page(out, next_start)

    def _costs(self, query):
        if _arg(query, "bucket_width", "1d") != "1d":
            raise BadQuery("cost_report only supports 1d")
        group_by = _array(query, "group_by")
        window, next_start = self._window(query, "1d", (7, 31))
        out = []
        for b_start, b_end in window:
            results = []
            dims = ("workspace_id", "description")
            for key, rows in _group(self.data.costs.between(b_start, b_end), group_by, dims).items():
                cents = sum((r.metrics["cents"] for r in rows), Decimal(0))
                row = {"currency": "USD", "amount": str(cents), "workspace_id": key[0]}
                described = "description" in group_by
                for d in COST_DESCRIPTION_DIMS:
                    row[d] = rows[0].dims.get(d) if described else None
                results.append(row)
            out.append({"starting_at": _rfc(b_start), "ending_at": _rfc(b_end), "results": results})
        return self._page(out, next_start)

    def _claude_code(self, query):
        day = _arg(query, "starting_at")
        try:
            day_start = int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())
        except (TypeError, ValueError):
            raise BadQuery("starting_at must be YYYY-MM-DD") from None
        limit = _int(query, "limit", 20)
        if not 1 <= limit <= 1000:
            raise BadQuery("limit must be between 1 and 1000")
        page = _arg(query, "page")
        offset = _decode_page(page) if page else 0
        rows = self.data.claude_code.between(day_start, day_start + DAY_S)
        size = min(limit, self.max_page_buckets or limit)
        chosen = rows[offset: offset + size]
        data = [{
            "date": _rfc(day_start), "actor": r.dims["actor"], "organization_id": "org-fake", "customer_type": "api",
            "subscription_type": None, "terminal_type": r.dims["terminal_type"], "is_remote": r.dims["is_remote"],
            "core_metrics": {"num_sessions": r.metrics["num_sessions"], "lines_of_code": {"added": 1, "removed": 0},
                             "commits_by_claude_code": 0, "pull_requests_by_claude_code": 0},
            "tool_actions": {"edit_tool": {"accepted": 1, "rejected": 0}},
            "model_breakdown": r.metrics["model_breakdown"], **EXTRA,
        } for r in chosen]
        more = offset + size < len(rows)
        return {"data": data, "has_more": more, "next_page": _encode_page(offset + size) if more else None}


# -- OpenRouter -----------------------------------------------------------------
class FakeOpenRouter(FakeProvider):
    name = "openrouter"
    url_prefix = "/api/v1"

    def __init__(self, data: OpenRouterData, **kw):
        kw.setdefault("keys", {"sk-or-v1-fake-mgmt-0001": "management", "sk-or-v1-fake-0002": "api"})
        super().__init__(**kw)
        self.data = data

    def error_body(self, status, message):
        return {"error": {"code": status, "message": message, "metadata": None}, "user_id": None}

    def route(self, path, query, headers):
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        role = self.keys.get(key)
        if role is None:
            return 401, self.error_body(401, "Missing Authentication header" if not key else "User not found."), {}
        management = role == "management"
        if path in ("/api/v1/key", "/api/v1/auth/key"):
            info = dict(self.data.key_info, is_management_key=management, is_provisioning_key=management, **EXTRA)
            return 200, {"data": info}, {}
        if path in ("/api/v1/credits", "/api/v1/activity") and not management:
            return 403, self.error_body(403, "Only management keys can perform this operation"), {}
        if path == "/api/v1/credits":
            return 200, {"data": dict(self.data.credits)}, {}
        if path == "/api/v1/activity":
            return 200, {"data": self._activity(query)}, {}
        return 404, self.error_body(404, "Resource not found"), {}

    def _activity(self, query):
        today = self.data.now_s // DAY_S * DAY_S
        day = _arg(query, "date")
        if day:
            try:
                start = int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp())
            except ValueError:
                raise BadQuery("date must be YYYY-MM-DD") from None
            if not today - 30 * DAY_S <= start <= today:
                raise BadQuery("date must be within the last 30 days")
            span = (start, start + DAY_S)
        else:
            span = (today - 30 * DAY_S, today)  # the last 30 completed UTC days
        return [{"date": day_of(r.ts), "model": r.dims["model"], "model_permaslug": r.dims["model"] + "-2025",
                 "endpoint_id": f"ep-{r.dims['provider_name']}", "provider_name": r.dims["provider_name"],
                 **r.metrics, **EXTRA} for r in self.data.activity.between(*span)]


# -- DeepSeek -----------------------------------------------------------------
class FakeDeepSeek(FakeProvider):
    name = "deepseek"

    def __init__(self, data: DeepSeekData | None = None, **kw):
        kw.setdefault("keys", {"sk-deepseek-fake-0001": "api"})
        super().__init__(**kw)
        self.data = data or DeepSeekData()

    def route(self, path, query, headers):
        key = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if key not in self.keys:
            return 401, {"error": {"message": "Authentication Fails, Your api key is invalid",
                                   "type": "authentication_error", "param": None, "code": "invalid_request_error"}}, {}
        if path == "/user/balance":
            return 200, {"is_available": self.data.is_available, "balance_infos": list(self.data.balance_infos)}, {}
        return 404, self.error_body(404, "not found"), {}


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.fromtimestamp(time.time() + seconds_from_now, timezone.utc), usegmt=True)
