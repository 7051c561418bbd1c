"""One person, several machines: export raw usage to a file, import it elsewhere.

The file is JSON lines: a header (`tracker.events-export/1`, the origin
machine id), then one line per event, provider bucket and billed line, then an
end line with the counts (a missing end line means the file was cut short).
Costs and price ids travel frozen: the importer writes them as they are,
through `Store.write_batch`, rather than re-pricing. Rows are upserted on their
natural keys, so importing twice, or A->B then B->A, never double counts.

Provider accounts (buckets, billed lines) have one owner: the machine that
polls them. A machine never lets an import overwrite an account it holds data
for itself (its own poll is fresher). For an account it only knows from
imports, the file's figures replace the range they cover (as a poll would),
so a provider's re-grouped buckets cannot sit beside the old ones.

Nothing secret is in the file: keys live in keyring and settings are not
exported; tags do not travel (the importing machine's rules claim the new
rows, as after a sync). It does hold the user's own project names and paths (it is their own
history), so it is created private (0600).
"""

from __future__ import annotations

import importlib
import json
import os
import secrets as _random
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from tracker.core.records import BILLED_BREAKDOWNS, BilledLine, UsageBucket, UsageEvent
from tracker.core.timeutil import UTC, local_midnight, to_ms
from tracker.core.tokens import TOKEN_FIELDS, Tokens
from tracker.core.units import BadUnits, clean_units
from tracker.services.context import AppContext
from tracker.storage import team as q

EXPORT_SCHEMA = "tracker.events-export/1"
MACHINE_ID_SETTING = "machines.id"
IMPORTED_ACCOUNTS_SETTING = "machines.imported_accounts"  # "source|account" -> origin machine
IMPORT_BATCH_ROWS = 2000
MAX_LINE_BYTES = 1_000_000
REASONS_KEPT = 20
PRIVATE_FILE_MODE = 0o600


def machine_id(store) -> str:
    value = store.get_setting(MACHINE_ID_SETTING)
    if not value:
        value = _random.token_hex(8)
        store.set_setting(MACHINE_ID_SETTING, value)
    return value


# -- export --------------------------------------------------------------------
@dataclass
class ExportResult:
    path: str
    origin: str
    events: int = 0
    buckets: int = 0
    billed: int = 0

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def export_events(ctx: AppContext, path: Path, since: date | None = None) -> ExportResult:
    origin = machine_id(ctx.store)
    since_ms = to_ms(local_midnight(since, ctx.zone())) if since else 0
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    result = ExportResult(str(path), origin)
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_FILE_MODE)
    except OSError as exc:  # named after the file the user asked for, not our temporary one beside it
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            header = {"schema": EXPORT_SCHEMA, "origin": origin,
                      "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                      "since": since.isoformat() if since else None}
            out.write(json.dumps(header) + "\n")
            for row in q.iter_events(ctx.store, since_ms):
                row["origin"] = row["origin"] or origin
                out.write(json.dumps({"type": "event"} | row) + "\n")
                result.events += 1
            for row in q.iter_buckets(ctx.store, since_ms):
                out.write(json.dumps({"type": "bucket"} | row) + "\n")
                result.buckets += 1
            for row in q.iter_billed(ctx.store, since.isoformat() if since else ""):
                out.write(json.dumps({"type": "billed"} | row) + "\n")
                result.billed += 1
            out.write(json.dumps({"type": "end", "events": result.events, "buckets": result.buckets,
                                  "billed": result.billed}) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(path, PRIVATE_FILE_MODE)
    return result


# -- import --------------------------------------------------------------------
class BadLine(ValueError):
    pass


def _str(row: dict, name: str, required: bool = False) -> str | None:
    value = row.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise BadLine(f"{name} must be {'a non-empty ' if required else 'a '}string")
    return value


def _int(row: dict, name: str, required: bool = False, minimum: int | None = 0) -> int | None:
    value = row.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or (minimum is not None and value < minimum):
        raise BadLine(f"{name} must be a{' non-negative' if minimum == 0 else 'n'} integer")
    if not -2**63 <= value < 2**63:  # SQLite's integers: beyond them the write fails the whole file
        raise BadLine(f"{name} is out of range")
    return value


def _tokens(row: dict) -> Tokens:
    tokens = Tokens(**{name: _int(row, name) or 0 for name in TOKEN_FIELDS})
    try:
        tokens.validate()
    except ValueError as exc:
        raise BadLine(str(exc)) from None
    return tokens


def _flag(row: dict, name: str) -> bool | None:
    value = row.get(name)
    if value is None:
        return None
    if value not in (0, 1) or isinstance(value, float):
        raise BadLine(f"{name} must be 0, 1 or null")
    return bool(value)


def _units(row: dict, tokens: Tokens) -> dict | None:
    """A row's price units (core.units), as the export writes them (JSON text) or as an object."""
    value = row.get("units")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise BadLine("units is not JSON") from None
    if value is not None and not isinstance(value, dict):
        raise BadLine("units must be an object or null")
    try:
        return clean_units(tokens, value)
    except BadUnits as exc:
        raise BadLine(str(exc)) from None


def parse_event(row: dict, origin: str) -> UsageEvent:
    tokens = _tokens(row)
    return UsageEvent(
        source=_str(row, "source", True), key=_str(row, "key", True), ts_ms=_int(row, "ts_ms", True),
        model=_str(row, "model", True), tokens=tokens, account=_str(row, "account") or "",
        provider=_str(row, "provider"), session=_str(row, "session"), project=_str(row, "project"),
        cwd=_str(row, "cwd"), git_branch=_str(row, "git_branch"), tool_use=_flag(row, "tool_use"),
        service_tier=_str(row, "service_tier"), requests=_int(row, "requests") or 1,
        origin=_str(row, "origin") or origin, cost_pico=_int(row, "cost_pico"),
        price_id=_str(row, "price_id"), sidechain=_flag(row, "sidechain"), speed=_str(row, "speed"),
        units=_units(row, tokens), partly_priced=_str(row, "partly_priced"),
    )


def parse_bucket(row: dict) -> UsageBucket:
    extra = row.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise BadLine("extra must be an object or null")
    tokens = _tokens(row)
    bucket = UsageBucket(
        source=_str(row, "source", True), account=_str(row, "account") or "", kind=_str(row, "kind", True),
        start_s=_int(row, "start_s", True), width_s=_int(row, "width_s", True), model=_str(row, "model"),
        tokens=tokens, requests=_int(row, "requests"), quantity=_int(row, "quantity"),
        quantity_unit=_str(row, "quantity_unit"), project_id=_str(row, "project_id"),
        api_key_id=_str(row, "api_key_id"), workspace_id=_str(row, "workspace_id"),
        service_tier=_str(row, "service_tier"), batch=_flag(row, "batch"), provider=_str(row, "provider"),
        extra=extra or None, cost_pico=_int(row, "cost_pico"), price_id=_str(row, "price_id"),
        units=_units(row, tokens), partly_priced=_str(row, "partly_priced"),
        byok_cost_pico=_int(row, "byok_cost_pico"),
    )
    if bucket.natural_key() != _str(row, "key", True):
        raise BadLine("bucket key does not match its fields (written by another version?)")
    return bucket


def parse_billed(row: dict) -> BilledLine:
    line = BilledLine(
        source=_str(row, "source", True), account=_str(row, "account") or "", day=_str(row, "day", True),
        line_item=_str(row, "line_item") or "", amount_pico=_int(row, "amount_pico", True, minimum=None),
        currency=_str(row, "currency") or "USD", project_id=_str(row, "project_id"),
        workspace_id=_str(row, "workspace_id"), model=_str(row, "model"),
        **{name: _str(row, name) for name in BILLED_BREAKDOWNS},
    )
    if line.natural_key() != _str(row, "key", True):
        raise BadLine("billed key does not match its fields (written by another version?)")
    return line


@dataclass
class ImportResult:
    path: str
    origin: str | None = None
    lines: int = 0
    events: int = 0
    events_added: int = 0
    buckets: int = 0
    billed: int = 0
    malformed: int = 0
    skipped_own_accounts: list[str] = field(default_factory=list)
    tagged: dict | None = None  # rows the local tag rules claimed (None: no value feature)
    complete: bool = False
    reasons: list[str] = field(default_factory=list)

    def bad(self, line_no: int, why: str) -> None:
        self.malformed += 1
        if len(self.reasons) < REASONS_KEPT:
            self.reasons.append(f"line {line_no}: {why}")

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _write_accounts(ctx: AppContext, buckets: list[UsageBucket], billed: list[BilledLine],
                    result: ImportResult) -> None:
    """Provider rows per account: skipped where this machine owns the account, else replace the range."""
    imported = dict(ctx.store.get_setting(IMPORTED_ACCOUNTS_SETTING) or {})
    origin = result.origin or "?"
    pairs = sorted({(b.source, b.account) for b in buckets} | {(line.source, line.account) for line in billed})
    keep_buckets: list[UsageBucket] = []
    keep_billed: list[BilledLine] = []
    replace: list[tuple[str, str, int, int]] = []
    for source, account in pairs:
        label = f"{source}|{account}"
        own = label not in imported and (q.account_has_rows(ctx.store, "buckets", source, account)
                                         or q.account_has_rows(ctx.store, "billed", source, account))
        if own:
            result.skipped_own_accounts.append(label)
            continue
        mine = [b for b in buckets if (b.source, b.account) == (source, account)]
        if mine:
            replace.append((source, account, min(b.start_s for b in mine), max(b.start_s for b in mine) + 1))
        keep_buckets += mine
        keep_billed += [line for line in billed if (line.source, line.account) == (source, account)]
        imported[label] = origin
    if keep_buckets or keep_billed:
        # ownership first: should the write below not happen, a retry still sees these accounts as imported
        ctx.store.set_setting(IMPORTED_ACCOUNTS_SETTING, imported)
        ctx.store.write_batch(buckets=keep_buckets, billed=keep_billed, replace_buckets=replace)
    if result.skipped_own_accounts:
        result.reasons.append(
            f"provider data for {len(result.skipped_own_accounts)} account(s) this machine polls itself was kept "
            "as polled here, not replaced by the file's copy")


def _tag_new_rows(ctx: AppContext) -> dict | None:
    """Imported rows arrive untagged: this machine's tag rules claim them, as after a sync."""
    try:
        tagging = importlib.import_module("tracker.services.tagging")
    except ImportError:
        return None
    return dict(tagging.tag_new_usage(ctx.store, ctx.zone()).changed)


# How export_events begins each kind's line (json.dumps of {"type": kind} | row), to count lines cheaply
_LINE_PREFIXES = tuple((json.dumps({"type": kind})[:-1].encode(), kind) for kind in ("event", "bucket", "billed"))


def import_events(ctx: AppContext, path: Path) -> ImportResult:
    """Read an export and upsert it; bad lines are counted with their reason, never fatal."""
    path = Path(path)
    result = ImportResult(str(path))
    own = machine_id(ctx.store)
    events: list[UsageEvent] = []
    buckets: list[UsageBucket] = []
    billed: list[BilledLine] = []

    def flush() -> None:
        if events:
            written = ctx.store.write_batch(events=events, keep_most_complete=True)
            result.events_added += written.events_added
            events.clear()

    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    end: dict = {}
    present = {"event": 0, "bucket": 0, "billed": 0}  # lines of each kind, readable or not
    with handle:
        for line_no, raw in enumerate(handle, 1):
            result.lines += 1
            for prefix, kind_name in _LINE_PREFIXES:
                if raw.startswith(prefix):
                    present[kind_name] += 1
                    break
            if len(raw) > MAX_LINE_BYTES:
                result.bad(line_no, "line too long")
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
                if not isinstance(row, dict):
                    raise BadLine("not a JSON object")
            except (UnicodeDecodeError, json.JSONDecodeError, BadLine) as exc:
                if line_no == 1:
                    raise ValueError(f"{path} is not a tracker events export (first line is not its header)") from None
                result.bad(line_no, f"not JSON ({type(exc).__name__})")
                continue
            if line_no == 1:
                if row.get("schema") != EXPORT_SCHEMA:
                    raise ValueError(f"{path} is not a tracker events export "
                                     f"(schema {str(row.get('schema'))[:60]!r}, expected {EXPORT_SCHEMA!r})")
                result.origin = row.get("origin") if isinstance(row.get("origin"), str) else None
                continue
            kind = row.get("type")
            try:
                if kind == "event":
                    events.append(parse_event(row, result.origin or own))
                    result.events += 1
                elif kind == "bucket":
                    buckets.append(parse_bucket(row))
                    result.buckets += 1
                elif kind == "billed":
                    billed.append(parse_billed(row))
                    result.billed += 1
                elif kind == "end":
                    result.complete = True
                    end = row
                else:
                    raise BadLine(f"unknown line type {str(kind)[:30]!r}")
            except BadLine as exc:
                result.bad(line_no, str(exc))
                continue
            if len(events) >= IMPORT_BATCH_ROWS:
                flush()
    flush()
    _write_accounts(ctx, buckets, billed, result)
    result.tagged = _tag_new_rows(ctx)
    if result.lines == 0:
        raise ValueError(f"{path} is empty: not a tracker events export")
    if not result.complete:
        result.reasons.append("the file has no end line: it may have been cut short (what was read was imported)")
    else:
        # the end line carries the counts the export wrote: fewer lines here means lines were lost on the way
        for kind_name, key in (("event", "events"), ("bucket", "buckets"), ("billed", "billed")):
            wrote = end.get(key)
            if isinstance(wrote, int) and wrote > present[kind_name]:
                result.complete = False
                result.reasons.append(f"{wrote - present[kind_name]} {key} line(s) are missing from the file (its "
                                      f"end line says {wrote}): what was there was imported; export it again")
    return result


__all__ = ["export_events", "import_events", "machine_id"]
