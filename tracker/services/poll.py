"""Polling provider accounts: backfill, incremental re-reads, per-account backoff.

For each configured account and each of its range streams the poll keeps a
cursor {"from": s, "until": s}: [from, until) is written at daily width.

- First poll: backfill `backfill_days` (default 90) days, oldest first, in
  chunks as large as the provider's page limit; each chunk is one transaction
  with its cursor, so an interrupted poll resumes where it stopped.
- Later polls re-read from the cursor, or `TRAILING_REREAD_DAYS` before the
  hourly window if that is earlier (providers revise recent buckets), and
  upsert. A larger `--backfill-days` extends the history backwards.
- Streams with hourly buckets keep the last `HOURLY_WINDOW_S` (rounded back to
  a UTC midnight) hourly and everything before it daily. Every chunk replaces
  the buckets of its time range, so a range holds buckets of one width only
  and nothing is counted twice when the hourly window moves on.
- An account that fails is retried later with exponential backoff; its status
  (last success, last error, next attempt) is stored and shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker import credentials
from tracker.core.records import Cursor
from tracker.core.timeutil import UTC, now_ms
from tracker.net import HttpOptions, ProviderError, WrongKeyType, redact
from tracker.pricing import Pricer
from tracker.services.ingest import ingest
from tracker.sources.base import DAY_S, HOUR_S, BadRecord, Batch, ProviderSource, Stream, day_of
from tracker.sources.providers import make_source
from tracker.storage import Store
from tracker.storage import providers as pstore

log = logging.getLogger(__name__)

DEFAULT_BACKFILL_DAYS = 90
HOURLY_WINDOW_S = 48 * HOUR_S
TRAILING_REREAD_DAYS = 3
FAILURE_BACKOFF_BASE_S = 300
FAILURE_BACKOFF_MAX_S = 6 * HOUR_S
REJECTED_SHOWN = 5
BALANCE_CHANGES_SHOWN = 20

Progress = Callable[[dict], None]
SourceFactory = Callable[[pstore.Account, str, HttpOptions | None], ProviderSource]


@dataclass
class AccountReport:
    label: str
    kind: str
    ok: bool = False
    skipped: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    buckets_written: int = 0
    billed_written: int = 0
    balances_written: int = 0
    claude_code_rows: int = 0
    chunks: int = 0
    requests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "kind": self.kind, "ok": self.ok, "skipped": self.skipped, "error": self.error,
            "notes": self.notes, "rejected": len(self.rejected), "rejected_examples": self.rejected[:REJECTED_SHOWN],
            "buckets_written": self.buckets_written, "billed_written": self.billed_written,
            "balances_written": self.balances_written, "claude_code_rows": self.claude_code_rows,
            "chunks": self.chunks, "requests": self.requests,
        }


@dataclass
class PollReport:
    accounts: list[AccountReport] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"{a.label}: {a.error}" for a in self.accounts if a.error]

    @property
    def requests(self) -> int:
        return sum(a.requests for a in self.accounts)

    def as_dict(self) -> dict[str, Any]:
        return {"accounts": [a.as_dict() for a in self.accounts], "requests": self.requests, "errors": self.errors}


def failure_backoff_s(consecutive_failures: int) -> int:
    return min(FAILURE_BACKOFF_BASE_S * 2 ** max(consecutive_failures - 1, 0), FAILURE_BACKOFF_MAX_S)


def cursor_key(label: str, stream: str) -> str:
    return f"{label}:{stream}"


def _default_factory(account: pstore.Account, key: str, options: HttpOptions | None) -> ProviderSource:
    return make_source(account.kind, account.label, key, account.base_url, options)


def poll_sources(
    store: Store,
    pricer: Pricer,
    labels: Sequence[str] | None = None,
    backfill_days: int | None = None,
    progress: Progress | None = None,
    *,
    now_s: int | None = None,
    http_options: HttpOptions | None = None,
    source_factory: SourceFactory | None = None,
) -> PollReport:
    """Poll the configured accounts (all, or `labels`, which also overrides backoff)."""
    now_s = int(now_ms() // 1000) if now_s is None else now_s
    accounts = pstore.list_accounts(store)
    if labels:
        known = {a.label for a in accounts}
        missing = [label for label in labels if label not in known]
        if missing:
            raise ValueError(f"no provider account labelled {', '.join(missing)}: see `tracker sources list`")
        accounts = [a for a in accounts if a.label in labels]
    report = PollReport()
    for account in accounts:
        report.accounts.append(
            _poll_account(store, pricer, account, backfill_days, progress, now_s, http_options,
                          source_factory or _default_factory, forced=bool(labels))
        )
    return report


def _poll_account(store, pricer, account, backfill_days, progress, now_s, http_options, factory,
                  forced) -> AccountReport:
    result = AccountReport(account.label, account.kind)
    status = pstore.get_status(store, account.label)
    now_ms_ = now_s * 1000
    if not forced and status.next_attempt_ms and status.next_attempt_ms > now_ms_:
        result.skipped = (f"backing off after {status.consecutive_failures} failure(s) until "
                          f"{_iso(status.next_attempt_ms)}; last error: {status.last_error}")
        return result
    status.last_attempt_ms = now_ms_
    source = None
    secret = ""
    try:
        key = credentials.find_key(account.kind, account.label)
        secret = key.value
        source = factory(account, key.value, http_options)
        refused: dict[str, list[str]] = {}  # note -> streams it applies to
        for stream in source.streams:
            try:
                _poll_stream(store, pricer, source, stream, backfill_days, progress, now_s, result)
            except WrongKeyType:
                if not stream.optional_permission:
                    raise
                refused.setdefault(stream.optional_permission, []).append(stream.name)
        for note, names in refused.items():
            result.notes.append(f"{' and '.join(names)} skipped: it {note}")
        result.ok = True
    except (ProviderError, credentials.CredentialError) as exc:
        result.error = str(exc)
    except BadRecord as exc:
        result.error = f"{account.kind} sent a response the tracker cannot read ({exc}); check the base URL."
    except Exception as exc:  # a bug in one source must not stop the others; keep the why
        from tracker.services.database import describe_failure

        sentence = describe_failure(exc)  # a full disk or read-only folder: say what to do
        if sentence is None:
            log.exception("provider account %s: unexpected error", account.label)
        result.error = sentence or redact(f"unexpected error ({type(exc).__name__}: {exc})", [secret])
    finally:
        if source is not None:
            result.requests = source.requests_made
            source.close()
    if result.ok:
        status.last_success_ms = now_ms_
        status.consecutive_failures = 0
        status.next_attempt_ms = None
        status.note = "; ".join(result.notes) or None
    else:
        status.consecutive_failures += 1
        status.last_error = result.error
        status.last_error_ms = now_ms_
        status.next_attempt_ms = now_ms_ + failure_backoff_s(status.consecutive_failures) * 1000
        log.warning("provider account %s failed (%d in a row): %s", account.label,
                    status.consecutive_failures, result.error)
    for reason in result.rejected[:REJECTED_SHOWN]:
        log.warning("provider account %s: record not taken: %s", account.label, reason)
    pstore.save_status(store, status)
    return result


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# -- planning ---------------------------------------------------------------
@dataclass(frozen=True)
class Chunk:
    start_s: int
    end_s: int
    width_s: int
    cursor: dict | None  # the stream cursor once this chunk is written (None: leave it)


def plan_stream(stream: Stream, cursor: dict | None, now_s: int, backfill_days: int | None) -> list[Chunk]:
    """The chunks a poll at `now_s` fetches for one range stream, in order."""
    today = now_s // DAY_S * DAY_S
    hourly = HOUR_S in stream.widths
    hourly_start = (now_s - HOURLY_WINDOW_S) // DAY_S * DAY_S if hourly else None
    daily_end = hourly_start if hourly else today + DAY_S
    days = DEFAULT_BACKFILL_DAYS if backfill_days is None else max(int(backfill_days), 0)
    want_from = today - days * DAY_S
    # A provider that keeps only recent history (OpenRouter: 30 days) is never
    # asked for older days: re-reading them would replace kept buckets with nothing.
    floor = today - stream.history_days * DAY_S if stream.history_days is not None else None
    if floor is not None:
        want_from = max(want_from, floor)
    want_from = min(want_from, daily_end)
    span = stream.max_buckets[DAY_S] * DAY_S
    cuts = {today} if stream.today_alone else set()
    chunks: list[Chunk] = []
    if cursor is None:
        covered_from, until = want_from, want_from
    else:
        covered_from, until = int(cursor["from"]), int(cursor["until"])
    if cursor is not None and want_from < covered_from and backfill_days is not None:
        # a longer history asked for: extend backwards, newest first, so that
        # [from, until) stays one contiguous written range after every chunk
        end = covered_from
        for start, stop in reversed(_split(want_from, end, span, cuts)):
            chunks.append(Chunk(start, stop, DAY_S, {"from": start, "until": until}))
        covered_from = want_from
    start = until if cursor is None else max(covered_from, min(until, daily_end - TRAILING_REREAD_DAYS * DAY_S))
    if floor is not None:
        start = max(start, min(floor, daily_end))
    for a, b in _split(start, daily_end, span, cuts):
        until = max(until, b)
        chunks.append(Chunk(a, b, DAY_S, {"from": covered_from, "until": until}))
    if hourly:
        hourly_end = (now_s // HOUR_S + 1) * HOUR_S
        for a, b in _split(hourly_start, hourly_end, stream.max_buckets[HOUR_S] * HOUR_S, set()):
            chunks.append(Chunk(a, b, HOUR_S, None))
    return chunks


def _split(start: int, end: int, span: int, cuts: set[int]) -> list[tuple[int, int]]:
    pieces = []
    while start < end:
        stop = min(start + span, end)
        for cut in sorted(cuts):
            if start < cut < stop:
                stop = cut
                break
        pieces.append((start, stop))
        start = stop
    return pieces


# -- one stream -------------------------------------------------------------
def _poll_stream(store, pricer, source: ProviderSource, stream: Stream, backfill_days, progress, now_s,
                 result: AccountReport) -> None:
    kind, label = source.kind, source.label
    if stream.snapshot:
        batch = source.snapshot(stream.name, now_s * 1000)
        _collect_notes(batch, result)
        result.balances_written += pstore.add_balances(store, batch.balances)
        return
    key = cursor_key(label, stream.name)
    chunks = plan_stream(stream, store.get_cursor(kind, key), now_s, backfill_days)
    for n, chunk in enumerate(chunks, 1):
        if progress:
            progress({"phase": "poll", "source": label, "kind": kind, "stream": stream.name, "chunk": n,
                      "chunks": len(chunks), "from": day_of(chunk.start_s), "width_s": chunk.width_s})
        batch = source.fetch(stream.name, chunk.start_s, chunk.end_s, chunk.width_s, open_end=chunk.end_s > now_s)
        _collect_notes(batch, result)
        _write_chunk(store, pricer, kind, label, stream, chunk, key, batch, result)


def _collect_notes(batch: Batch, result: AccountReport) -> None:
    result.notes += [n for n in batch.notes if n not in result.notes]
    result.rejected += batch.rejected


def _write_chunk(store, pricer, kind, label, stream: Stream, chunk: Chunk, key: str, batch: Batch,
                 result: AccountReport) -> None:
    """Rows, revisions and cursor of one chunk: one transaction."""
    cursors: Iterable[Cursor] = [Cursor(kind, key, chunk.cursor)] if chunk.cursor else []
    # A chunk replaces what is stored for its days (rows the provider no longer reports go), unless
    # some of its records could not be read: then it only adds and updates, because the unreadable
    # ones may be exactly the rows stored before, and deleting them would lose figures we had.
    replace = not batch.rejected
    with pstore.transaction(store):
        if stream.billed and replace:
            pstore.delete_billed_days(store, kind, label, day_of(chunk.start_s), day_of(chunk.end_s))
        if stream.claude_code:
            if replace:
                pstore.delete_claude_code_days(store, label, day_of(chunk.start_s), day_of(chunk.end_s))
            result.claude_code_rows += pstore.upsert_claude_code(store, batch.claude_code)
        written = ingest(
            store, pricer, buckets=batch.buckets, billed=batch.billed, cursors=cursors,
            replace_buckets=[(kind, label, chunk.start_s, chunk.end_s)] if stream.replaces_buckets and replace else (),
        )
    result.buckets_written += written.buckets_written
    result.billed_written += written.billed_written
    result.chunks += 1


# -- views for the CLI, tray and dashboard ----------------------------------
def source_statuses(store: Store) -> list[dict]:
    """Every configured account with its poll status and latest balances (no keys)."""
    out = []
    for account in pstore.list_accounts(store):
        st = pstore.get_status(store, account.label)
        out.append({
            "label": account.label,
            "kind": account.kind,
            "base_url": account.base_url,
            "last_attempt": _iso(st.last_attempt_ms) if st.last_attempt_ms else None,
            "last_success": _iso(st.last_success_ms) if st.last_success_ms else None,
            "last_error": st.last_error,
            "last_error_at": _iso(st.last_error_ms) if st.last_error_ms else None,
            "consecutive_failures": st.consecutive_failures,
            "next_attempt": _iso(st.next_attempt_ms) if st.next_attempt_ms else None,
            "note": st.note,
            "balances": [
                {"metric": b.metric, "currency": b.currency, "amount": _amount(b.amount_pico), "at": _iso(b.ts_ms)}
                for b in pstore.latest_balances(store, account.label)
            ],
            "balance_changes": balance_changes(store, account.label)[-BALANCE_CHANGES_SHOWN:],
        })
    return out


def balance_changes(store: Store, label: str, metric: str = "balance") -> list[dict]:
    """Spend and top-ups seen between consecutive balance readings, per currency.

    A fall is spend. A rise is a top-up of at least that much; spend in the
    same interval cannot be told apart from it, so it is reported as unknown.
    """
    last: dict[str, pstore.BalanceSnapshot] = {}
    changes = []
    for snap in pstore.balances(store, label, metric):
        prev = last.get(snap.currency)
        last[snap.currency] = snap
        if prev is None or snap.amount_pico == prev.amount_pico:
            continue
        delta = snap.amount_pico - prev.amount_pico
        changes.append({
            "from": _iso(prev.ts_ms), "to": _iso(snap.ts_ms), "currency": snap.currency,
            "spent": _amount(-delta) if delta < 0 else None,
            "topped_up": _amount(delta) if delta > 0 else None,
        })
    return changes


def _amount(pico: int) -> str:
    from tracker.core.money import format_usd

    return format_usd(pico)  # the same exact decimal formatting works for any currency
