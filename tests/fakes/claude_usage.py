"""A fake of Claude's plan-usage endpoint (GET /api/oauth/usage), on 127.0.0.1.

Shapes as read by clients that call it (reference/providers.md section 4,
UNCERTAIN): windows {"utilization", "resets_at"} under five_hour, seven_day,
seven_day_opus / seven_day_sonnet (null when not on the plan), extra_usage,
and unknown keys (null and window-shaped). Auth: `Authorization: Bearer
<access token>` plus `anthropic-beta: oauth-2025-04-20`; a token not in `keys`
gets 401, one marked "inference" (no user:profile scope) 403. Faults (429
with Retry-After, 500, truncation, ...) come from the shared `Faults`.

The tracker is pointed at it with TRACKER_TEST_CLAUDE_USAGE_URL (test-only).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from tests.fakes.server import FakeProvider

OAUTH_BETA = "oauth-2025-04-20"


def rfc3339_micro(seconds: float) -> str:
    """The endpoint's own time format: microseconds and a +00:00 offset."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="microseconds")


def usage_body(now_s: float, five_hour: float = 42.0, seven_day: float = 61.5, opus: float | None = 12.0,
               sonnet: float | None = None, extra: bool = True) -> dict:
    """A full answer: every documented key, a null window, extra usage, and fields a client must ignore."""
    return {
        "five_hour": {"utilization": five_hour, "resets_at": rfc3339_micro(now_s + 2 * 3600 + 0.571404)},
        "seven_day": {"utilization": seven_day, "resets_at": rfc3339_micro(now_s + 3 * 86400)},
        "seven_day_opus": None if opus is None else {"utilization": opus, "resets_at": rfc3339_micro(now_s + 3 * 86400)},
        "seven_day_sonnet": None if sonnet is None else {"utilization": sonnet,
                                                         "resets_at": rfc3339_micro(now_s + 3 * 86400)},
        "seven_day_oauth_apps": None,
        "iguana_necktie": None,  # an unknown key, null
        "x_unknown_field": {"added": "later"},  # an unknown key that is no window
        "extra_usage": {"is_enabled": extra, "monthly_limit": 5000, "used_credits": 1250, "utilization": 25.0,
                        "currency": "USD"} if extra else {"is_enabled": False, "monthly_limit": None,
                                                          "used_credits": None, "utilization": None},
    }


class FakeClaudeUsage(FakeProvider):
    name = "claude-usage"

    def __init__(self, body: dict | None = None, **kw):
        kw.setdefault("keys", {"sk-ant-oat01-fake-token-0001": "profile"})
        super().__init__(**kw)
        self.body = body
        self.headers_seen: list[dict] = []

    def error_body(self, status, message):
        kind = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error", 500: "api_error"}
        return {"type": "error", "error": {"type": kind.get(status, "api_error"), "message": message}}

    def route(self, path, query, headers):
        self.headers_seen.append(headers)
        if path != "/api/oauth/usage":
            return 404, self.error_body(404, "Not found"), {}
        token = headers.get("authorization", "").removeprefix("Bearer ").strip()
        role = self.keys.get(token)
        if role is None:
            return 401, self.error_body(401, "OAuth token has expired. Please obtain a new token or refresh "
                                             "your existing token."), {}
        if headers.get("anthropic-beta") != OAUTH_BETA:
            return 401, self.error_body(401, "OAuth authentication is currently not supported."), {}
        if role != "profile":
            return 403, self.error_body(403, "OAuth token does not meet scope requirement user:profile"), {}
        import time

        body = self.body if self.body is not None else usage_body(time.time())
        return 200, body, {}


def write_credentials(folder, token: str = "sk-ant-oat01-fake-token-0001", expires_ms: int | None = None,
                      scopes=("user:inference", "user:profile"), subscription: str = "max"):
    """A Claude Code login file in `folder` (as Claude Code writes it), returned as its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".credentials.json"
    oauth = {"accessToken": token, "refreshToken": "sk-ant-ort01-fake-refresh", "scopes": list(scopes),
             "subscriptionType": subscription, "rateLimitTier": "default_claude_max_20x"}
    if expires_ms is not None:
        oauth["expiresAt"] = expires_ms
    path.write_text(json.dumps({"claudeAiOauth": oauth}))
    return path
