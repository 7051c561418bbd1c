"""What of an invoice document leaves for the client, and what stays with the contractor.

An invoice document holds the contractor's own figures too (each line's
underlying cost, basis and markup under "internal", the warnings, the usage
counts). Every client-facing export (PDF, CSV, JSON, Factur-X, reminders) is
made from `client_document`, which keeps what the client's disclosure allows:

- "amounts": each line's description and amount (quantity x unit price);
- "tokens":  the same plus the AI usage lines' tokens and requests (default);
- "cost":    the same plus each usage line's basis and underlying cost in USD,
             the markup and the exchange rate (an open cost-plus agreement).

Documents issued before disclosures existed (version 1) are returned as they
were issued: an invoice already sent exports as it was sent.
"""

from __future__ import annotations

TOKEN_KEYS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "requests", "usage_rows")
CONTRACTOR_ONLY = ("internal", "warnings", "usage")


def disclosure(doc: dict) -> str:
    return doc.get("disclosure") or "cost"


def client_document(doc: dict) -> dict:
    """The document as the client may see it (a new dict; `doc` is left as it is)."""
    if "disclosure" not in doc:
        return dict(doc)
    show = disclosure(doc)
    out = {k: v for k, v in doc.items() if k not in CONTRACTOR_ONLY}
    if show != "cost":
        out["exchange_rate"] = None  # usage was converted from USD costs: part of the cost view
    out["lines"] = [_client_line(line, show) for line in doc["lines"]]
    return out


def _client_line(line: dict, show: str) -> dict:
    internal = line.get("internal") or {}
    out = {k: v for k, v in line.items() if k != "internal"}
    if show == "amounts":
        for key in TOKEN_KEYS:
            out.pop(key, None)
    if show == "cost" and line["kind"] in ("usage", "adjustment"):
        out["basis"] = internal.get("basis")
        out["cost_usd"] = internal.get("cost_usd")
    return out


def shows_tokens(doc: dict) -> bool:
    return disclosure(doc) in ("tokens", "cost")


def shows_cost(doc: dict) -> bool:
    return disclosure(doc) == "cost"


def token_summary(line: dict) -> str:
    """'12 requests · 2,000 input · 50,000 cache · 1,000 output tokens' (token classes of 0 left out)."""
    cache = line["cache_read_tokens"] + line["cache_write_tokens"]
    classes = [f"{n:,} {name}" for name, n in (("input", line["input_tokens"]), ("cache", cache),
                                               ("output", line["output_tokens"])) if n]
    requests = f"{line['requests']:,} request{'' if line['requests'] == 1 else 's'}"
    return " · ".join([requests, *classes]) + (" tokens" if classes else "")
