"""Schema, as an append-only list of migrations applied on open.

Never edit a migration that has shipped: add a new one. Money columns are
integers of picodollars (`*_pico`); times are UTC (`ts_ms` epoch milliseconds,
`start_s` epoch seconds). Key dimensions are '' rather than NULL, because a
NULL never conflicts in a primary key and would let an upsert append.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

TYPE_CHECKING = False  # (typing itself costs ~3 ms at start-up: the quick answers read this module)
if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database

MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' bookkeeping table


# name, fn(db), transactional (a named tuple: dataclasses cost ~9 ms at start-up, see tracker.quick)
Migration = namedtuple("Migration", "name fn transactional", defaults=(True,))


class MigrationSet:
    """The registered migrations, in order; sqlite-utils' `Migrations` applies them.

    The names are known without importing sqlite-utils (which imports numpy:
    ~0.1 s), so opening an up-to-date database checks for pending migrations
    with one plain query (`pending_names`) and loads sqlite-utils only when
    something is to be applied. `pending`, `applied` and `apply` are
    sqlite-utils' own (same table, same records), built from the list as it
    is at the call.
    """

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Migration] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True):
        def register(fn):
            migration_name = name or fn.__name__
            if migration_name in self.names():
                raise ValueError(f"Migration '{migration_name}' is already registered in set '{self.name}'")
            self._migrations.append(Migration(migration_name, fn, transactional))
            return fn

        return register

    def names(self) -> list[str]:
        return [m.name for m in self._migrations]

    def pending_names(self, conn: sqlite3.Connection) -> list[str]:
        """Names not yet applied to the database, read with plain SQL (read-only)."""
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATIONS_TABLE,)
        ).fetchone()
        applied = set()
        if exists:
            applied = {row[0] for row in conn.execute(
                f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", (self.name,))}
        return [name for name in self.names() if name not in applied]

    def _sqlite_utils(self):
        from tracker.storage.transactions import load_sqlite_utils

        load_sqlite_utils()
        from sqlite_utils.migrations import Migrations

        built = Migrations(self.name)
        for m in self._migrations:
            built(name=m.name, transactional=m.transactional)(m.fn)
        return built

    def pending(self, db):
        return self._sqlite_utils().pending(_database(db))

    def applied(self, db):
        return self._sqlite_utils().applied(_database(db))

    def apply(self, db, *, stop_before: str | Iterable[str] | None = None) -> None:
        self._sqlite_utils().apply(_database(db), stop_before=stop_before)


def _database(db) -> "Database":
    """A sqlite-utils Database over `db` (a Database already, or a sqlite3 connection)."""
    import sqlite3  # (here: the quick look reads this module with the C module alone, storage.quick)

    if isinstance(db, sqlite3.Connection):
        from tracker.storage.transactions import write_database

        return write_database(db)
    return db


migrations = MigrationSet("tracker")

TOKEN_COLUMNS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)


@migrations()
def m001_initial(db: Database) -> None:
    tokens = {name: int for name in TOKEN_COLUMNS}
    db["events"].create(
        {
            "source": str,
            "account": str,
            "key": str,
            "ts_ms": int,
            "model": str,
            "provider": str,
            "session": str,
            "project": str,
            "cwd": str,
            "git_branch": str,
            **tokens,
            "requests": int,
            "tool_use": int,
            "service_tier": str,
            "cost_pico": int,
            "price_id": str,
            "origin": str,
        },
        pk=("source", "account", "key"),
        not_null={"source", "account", "key", "ts_ms", "model", *TOKEN_COLUMNS, "requests"},
        defaults={name: 0 for name in TOKEN_COLUMNS} | {"requests": 1, "account": ""},
    )
    db["events"].create_index(["ts_ms"])
    db["events"].create_index(["session"])
    db["buckets"].create(
        {
            "source": str,
            "account": str,
            "key": str,
            "kind": str,
            "start_s": int,
            "width_s": int,
            "model": str,
            "provider": str,
            **tokens,
            "requests": int,
            "quantity": int,
            "quantity_unit": str,
            "project_id": str,
            "api_key_id": str,
            "workspace_id": str,
            "service_tier": str,
            "batch": int,
            "extra": str,
            "cost_pico": int,
            "price_id": str,
        },
        pk=("source", "account", "key"),
        not_null={"source", "account", "key", "kind", "start_s", "width_s", *TOKEN_COLUMNS},
        defaults={name: 0 for name in TOKEN_COLUMNS},
    )
    db["buckets"].create_index(["start_s"])
    db["billed"].create(
        {
            "source": str,
            "account": str,
            "key": str,
            "day": str,
            "line_item": str,
            "amount_pico": int,
            "currency": str,
            "project_id": str,
            "workspace_id": str,
            "model": str,
        },
        pk=("source", "account", "key"),
        not_null={"source", "account", "key", "day", "amount_pico", "currency"},
    )
    db["billed"].create_index(["day"])
    db["cursors"].create(
        {"source": str, "key": str, "value": str, "updated_ms": int},
        pk=("source", "key"),
        not_null={"source", "key", "value"},
    )
    db["settings"].create({"key": str, "value": str}, pk="key", not_null={"key", "value"})


@migrations()
def m020_value(db: Database) -> None:
    """Value tagging: tags, the rules that attach them, value entries per period.

    A usage row carries at most one tag, so costs summed over tags add up to the
    total (never double-counted). `rule_tag_id` is recomputed by re-applying
    the rules; `manual_tag_id` is a hand assignment that beats every rule and
    survives re-application (0 = explicitly untagged by hand).
    """
    db.execute(
        "CREATE TABLE tags ("
        " id INTEGER PRIMARY KEY,"
        " kind TEXT NOT NULL CHECK (kind IN ('client', 'project', 'kpi')),"
        " name TEXT NOT NULL UNIQUE,"
        " team_category TEXT,"
        " billing TEXT,"  # JSON object (client billing details for invoices)
        " created_ms INTEGER NOT NULL)"
    )
    db.execute(
        "CREATE TABLE tag_rules ("
        " id INTEGER PRIMARY KEY,"
        " tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,"
        " priority INTEGER NOT NULL DEFAULT 0,"
        " source TEXT, account TEXT, project_glob TEXT, cwd_glob TEXT, git_branch_glob TEXT,"
        " model_glob TEXT, session TEXT, project_id TEXT, workspace_id TEXT, api_key_id TEXT,"
        " since_day TEXT, until_day TEXT,"  # inclusive local days
        " created_ms INTEGER NOT NULL)"
    )
    db.execute(
        "CREATE TABLE value_entries ("
        " id INTEGER PRIMARY KEY,"
        " tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,"
        " period_start TEXT NOT NULL,"  # inclusive local days
        " period_end TEXT NOT NULL,"
        " kind TEXT NOT NULL CHECK (kind IN ('money', 'kpi')),"
        " amount TEXT NOT NULL,"  # Decimal text: money amount or KPI quantity
        " currency TEXT NOT NULL DEFAULT '',"  # money only ('' for kpi)
        " unit TEXT NOT NULL DEFAULT '',"  # kpi only ('' for money)
        " note TEXT,"
        " created_ms INTEGER NOT NULL,"
        " UNIQUE (tag_id, period_start, period_end, kind, currency, unit))"
    )
    for table in ("events", "buckets"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN rule_tag_id INTEGER")
        db.execute(f"ALTER TABLE {table} ADD COLUMN manual_tag_id INTEGER")


@migrations()
def m030_nudges(db: Database) -> None:
    # The user's answer to each nudge (id = source|model|suggested model).
    # Rows are written on the first action or notification, never by reading.
    db["nudge_state"].create(
        {
            "id": str,
            "source": str,
            "model": str,
            "suggested_model": str,
            "status": str,  # open | dismissed | snoozed | switched
            "snoozed_until_ms": int,
            "switched_at_ms": int,
            "switched_by": str,  # user | detected
            "estimated_weekly_pico": int,  # estimate when the user switched
            "notified": int,
            "updated_ms": int,
        },
        pk="id",
        not_null={"id", "source", "model", "suggested_model", "status", "notified", "updated_ms"},
        defaults={"status": "open", "notified": 0},
    )


@migrations()
def m050_team(db: Database) -> None:
    # What left this machine, when, and where: one row per destination per
    # attempt. `payload` is the exact anonymised summary that was sent (it holds
    # allow-listed aggregates only); `destination` is a folder path or a
    # webhook's host, never the webhook URL (that is a secret, kept in keyring).
    db["team_shares"].create(
        {
            "id": int,
            "week": str,
            "kind": str,  # folder | webhook
            "destination": str,
            "sent_ms": int,
            "ok": int,
            "detail": str,
            "payload_sha256": str,
            "payload": str,
        },
        pk="id",
        not_null={"week", "kind", "destination", "sent_ms", "ok"},
    )
    db["team_shares"].create_index(["week", "kind"])


@migrations()
def m040_invoices(db: Database) -> None:
    """Invoices, the usage each issued invoice billed, and number counters.

    A draft has no number. Issuing allocates the next number from
    `invoice_counters` inside the same transaction that freezes the document
    and records `invoice_usage`, so a failed issue leaves no gap. The usage an
    invoice billed is kept per usage row key with the token/cost snapshot it
    billed: later invoices bill only what is not yet covered (or the change, as
    an adjustment), and a voided invoice's rows stop counting.
    """
    db.execute(
        "CREATE TABLE invoices ("
        " id INTEGER PRIMARY KEY,"
        " number TEXT UNIQUE,"  # NULL while a draft
        " kind TEXT NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit_note')),"
        " status TEXT NOT NULL CHECK (status IN ('draft', 'issued', 'paid', 'void')),"
        " client_tag_id INTEGER,"
        " client_name TEXT NOT NULL,"
        " since_day TEXT NOT NULL, until_day TEXT NOT NULL,"  # inclusive local days
        " timezone TEXT NOT NULL,"
        " group_by TEXT NOT NULL,"
        " currency TEXT NOT NULL,"
        " exchange_rate TEXT,"  # Decimal text: invoice currency per USD
        " issue_date TEXT, due_date TEXT, issued_ms INTEGER, paid_date TEXT,"
        " credit_for_id INTEGER REFERENCES invoices(id),"  # a credit note: the invoice it voids
        " voided_by_id INTEGER REFERENCES invoices(id),"
        " total_minor INTEGER,"  # frozen at issue, in the currency's minor unit
        " document TEXT,"  # the frozen JSON document (issued invoices and credit notes)
        " notes TEXT,"
        " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL)"
    )
    db.execute("CREATE INDEX invoices_client ON invoices (client_tag_id, status)")
    db.execute(
        "CREATE TABLE invoice_usage ("
        " invoice_id INTEGER NOT NULL REFERENCES invoices(id),"
        " usage_table TEXT NOT NULL CHECK (usage_table IN ('events', 'buckets')),"
        " source TEXT NOT NULL, account TEXT NOT NULL, key TEXT NOT NULL,"
        " input_tokens INTEGER NOT NULL, cache_read_tokens INTEGER NOT NULL,"
        " cache_write_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
        " requests INTEGER NOT NULL, cost_pico INTEGER NOT NULL,"  # the change this invoice billed
        " ts_ms INTEGER NOT NULL, model TEXT, project TEXT,"  # to credit a row the provider later withdrew
        " PRIMARY KEY (invoice_id, usage_table, source, account, key))"
    )
    db.execute("CREATE INDEX invoice_usage_row ON invoice_usage (usage_table, source, account, key)")
    db.execute("CREATE TABLE invoice_counters (scope TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)")


@migrations()
def m010_provider_accounts(db: Database) -> None:
    """Provider accounts (never their keys), their poll status, balance snapshots, Claude Code analytics."""
    db["provider_accounts"].create(
        {"label": str, "kind": str, "base_url": str, "created_ms": int},
        pk="label",
        not_null={"label", "kind"},
    )
    db["provider_status"].create(
        {
            "label": str,
            "last_attempt_ms": int,
            "last_success_ms": int,
            "last_error": str,
            "last_error_ms": int,
            "consecutive_failures": int,
            "next_attempt_ms": int,
            "note": str,
        },
        pk="label",
        not_null={"label", "consecutive_failures"},
        defaults={"consecutive_failures": 0},
    )
    # One row per observation of a balance or spend counter. Amounts are integer
    # pico-units of `currency` (exact); metric names say which counter it is.
    db["provider_balances"].create(
        {"source": str, "account": str, "ts_ms": int, "metric": str, "currency": str, "amount_pico": int},
        pk=("source", "account", "ts_ms", "metric", "currency"),
        not_null={"source", "account", "ts_ms", "metric", "currency", "amount_pico"},
    )
    db["provider_balances"].create_index(["account", "ts_ms"])
    # Anthropic's Claude Code analytics: kept apart from `buckets` because the
    # same tokens are already in the Messages usage report (and in local logs).
    db["claude_code_analytics"].create(
        {
            "account": str,
            "key": str,
            "day": str,
            "actor": str,
            "model": str,
            "input_tokens": int,
            "output_tokens": int,
            "cache_read_tokens": int,
            "cache_write_tokens": int,
            "estimated_cost_pico": int,
            "details": str,
        },
        pk=("account", "key"),
        not_null={"account", "key", "day"},
    )
    db["claude_code_analytics"].create_index(["day"])


HOUR_MS = 3_600_000
# A migration that rebuilds `events` must re-create these (see m020); Store.aggregate checks them.
ROLLUP_TRIGGERS = ("events_hourly_insert", "events_hourly_delete", "events_hourly_update")


class _Rollup:
    """The SQL of the hourly rollup (events_hourly) for one set of measures.

    A measure is (column, its value for one event row {r}); the rollup keeps the
    SUM of each per UTC hour, source and model (the same rules as
    Store.aggregate: a NULL cost is unpriced, never $0). One builder serves
    every version of the table, so a migration's SQL is the SQL of its own
    measures, never today's.
    """

    KEY = "{r}.ts_ms - {r}.ts_ms % 3600000, {r}.source, {r}.model"

    def __init__(self, measures: tuple[tuple[str, str], ...]):
        self.columns = [name for name, _ in measures]
        self.values = [value for _, value in measures]

    def _values(self, r: str) -> str:
        return ", ".join([self.KEY.format(r=r)] + [v.format(r=r) for v in self.values])

    def create_table(self) -> str:
        cols = ", ".join(f"{c} INTEGER NOT NULL" for c in self.columns)
        return ("CREATE TABLE events_hourly (hour_ms INTEGER NOT NULL, source TEXT NOT NULL, model TEXT NOT NULL, "
                f"{cols}, PRIMARY KEY (hour_ms, source, model)) WITHOUT ROWID")

    def _add(self) -> str:
        updates = ", ".join(f"{c} = {c} + excluded.{c}" for c in self.columns)
        return (f"INSERT INTO events_hourly (hour_ms, source, model, {', '.join(self.columns)}) "
                f"VALUES ({self._values('NEW')}) ON CONFLICT(hour_ms, source, model) DO UPDATE SET {updates};")

    def _sub(self) -> str:
        updates = ", ".join(f"{c} = {c} - ({v.format(r='OLD')})" for c, v in zip(self.columns, self.values))
        where = "hour_ms = OLD.ts_ms - OLD.ts_ms % 3600000 AND source = OLD.source AND model = OLD.model"
        return f"UPDATE events_hourly SET {updates} WHERE {where}; DELETE FROM events_hourly WHERE {where} AND n = 0;"

    def triggers(self) -> list[str]:
        # an update that moves or re-prices a row, or changes any summed column, moves its share
        watched = ["ts_ms", "source", "model"] + [c for c in self.columns if c not in ("n", "unpriced", "partly")]
        if "partly" in self.columns:  # a measure named apart from the column it reads
            watched.append("partly_priced")
        return [
            f"CREATE TRIGGER events_hourly_insert AFTER INSERT ON events BEGIN {self._add()} END",
            f"CREATE TRIGGER events_hourly_delete AFTER DELETE ON events BEGIN {self._sub()} END",
            f"CREATE TRIGGER events_hourly_update AFTER UPDATE OF {', '.join(watched)} ON events "
            f"BEGIN {self._sub()} {self._add()} END",
        ]

    def fill(self) -> str:
        """The rollup computed from events in one statement (into an empty events_hourly)."""
        sums = ", ".join(f"SUM({v.format(r='e')})" for v in self.values)
        return (f"INSERT INTO events_hourly (hour_ms, source, model, {', '.join(self.columns)}) "
                f"SELECT {self.KEY.format(r='e')}, {sums} FROM events e GROUP BY 1, 2, 3")

    def build(self, db) -> None:
        db.execute(self.create_table())
        for sql in self.triggers():
            db.execute(sql)
        db.execute(self.fill())


_COST_MEASURES = (
    ("n", "1"),
    ("requests", "COALESCE({r}.requests, 0)"),
    ("cost_pico", "COALESCE({r}.cost_pico, 0)"),
    ("unpriced", "CASE WHEN {r}.cost_pico IS NULL THEN MAX(COALESCE({r}.requests, 1), 1) ELSE 0 END"),
)
_ROLLUP_V1 = _Rollup(_COST_MEASURES)  # m020: cost figures only
_TOKEN_MEASURES = tuple((c, f"COALESCE({{r}}.{c}, 0)") for c in TOKEN_COLUMNS)
_ROLLUP_V2 = _Rollup(_COST_MEASURES + _TOKEN_MEASURES)  # m060: + tokens
# A priced request whose cost leaves out a price class nobody has a rate for (fast mode on a model
# without a fast price, an audio token without an audio rate): its cost is a lower bound.
PARTLY_PRICED_SQL = (
    "CASE WHEN {r}.cost_pico IS NOT NULL AND {r}.partly_priced IS NOT NULL THEN MAX(COALESCE({r}.requests, 1), 1) "
    "ELSE 0 END"
)
ROLLUP = _Rollup(_COST_MEASURES + _TOKEN_MEASURES + (("partly", PARTLY_PRICED_SQL),))  # m090: + partly priced
# today's hourly rollup is storage.rollups.HOURLY (m130), which storage.bulk refills


@migrations()
def m020_gui_events_hourly_rollup(db: Database) -> None:
    # Cost per UTC hour, source and model, kept exact by triggers in the same
    # transaction as every insert, upsert, re-price and delete of events. Local
    # days in any whole-hour zone are unions of UTC hours, so the dashboard's
    # daily figures over years of data read ~20x fewer rows (Store.aggregate
    # uses it only when every window is hour-aligned; otherwise it reads events).
    _ROLLUP_V1.build(db)


@migrations()
def m060_events_hourly_tokens(db: Database) -> None:
    # Token sums in the rollup too, so that reports (daily, monthly, by model)
    # read the rollup instead of every event: ~100x fewer rows on a big history.
    for name in ROLLUP_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE events_hourly")
    _ROLLUP_V2.build(db)


_FILE_STAT_FIELDS = ("dev", "ino", "size", "mtime_ns")


@migrations()
def m070_cursor_stat_keys(db: Database) -> None:
    # A log file's stat beside its cursor as one text, so that an import with nothing new
    # compares thousands of short texts instead of decoding thousands of cursors' JSON.
    # The format is logfiles.FileStat.stat_key's (dev:ino:size:mtime_ns; a test keeps the
    # two equal); cursors without those numbers (API high-water marks) get none.
    db.execute("ALTER TABLE cursors ADD COLUMN stat_key TEXT")
    joined = " || ':' || ".join(f"json_extract(value, '$.{name}')" for name in _FILE_STAT_FIELDS)
    typed = " AND ".join(f"json_type(value, '$.{name}') = 'integer'" for name in _FILE_STAT_FIELDS)
    db.execute(f"UPDATE cursors SET stat_key = {joined} WHERE json_valid(value) AND {typed}")


@migrations()
def m090_price_classes(db: Database) -> None:
    """What the price of a request depends on beyond its token classes, and what its cost leaves out.

    events: `speed` (Anthropic fast mode), `units` (JSON: web searches, audio and image tokens, ...;
    core.units), `sidechain` (a Claude Code sub-agent copy, which never replaces the main copy),
    `partly_priced` (the price classes nobody has a rate for: the cost is a lower bound). buckets:
    `units`, `partly_priced`, and `byok_cost_pico` (OpenRouter spend on the user's own provider keys).
    billed: the breakdowns the providers offer. tag_rules: rules on a provider's user and service
    account. The hourly rollup gains the partly-priced request count (rebuilt, as m060 did).
    """
    for table, columns in (
        ("events", ("sidechain INTEGER", "speed TEXT", "units TEXT", "partly_priced TEXT")),
        ("buckets", ("units TEXT", "partly_priced TEXT", "byok_cost_pico INTEGER")),
        ("billed", ("api_key_id TEXT", "cost_type TEXT", "token_type TEXT", "service_tier TEXT",
                    "context_window TEXT", "inference_geo TEXT")),
        ("tag_rules", ("user_id TEXT", "service_account_id TEXT")),
    ):
        for column in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
    for name in ROLLUP_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE events_hourly")
    ROLLUP.build(db)


@migrations()
def m100_invoice_lines_payments_budgets(db: Database) -> None:
    """Contractor invoices beyond AI usage (issue #27).

    - `invoice_usage.kind` / `.basis`: whether a lock billed the row as usage or as an
      adjustment, and at which basis (estimated, billed, rate): a row whose only standing
      lock is an adjustment (its invoice was voided) is billed again as usage, and a
      re-price or a plan change is not mistaken for a revision of the usage itself.
      Existing locks: the first invoice of a row billed it as usage, later ones adjusted it.
    - `invoice_items`: a draft's manual lines (hours x rate, expenses, fixed discounts) and
      imported time entries; `entry_key` is an imported entry's natural key, so an entry on a
      standing invoice is never billed again and importing a file twice adds nothing.
    - `invoice_periods`: the recurring fees (retainers) an invoice billed, per period.
    - `invoice_payments`, `invoice_reminders`: partial payments and dunning letters.
    - `client_budget_alerts`: each budget threshold fires once per client and month.
    Money is Decimal text in the invoice's currency (and its minor units where summed).
    """
    db.execute("ALTER TABLE invoice_usage ADD COLUMN kind TEXT")
    db.execute("ALTER TABLE invoice_usage ADD COLUMN basis TEXT")
    db.execute(
        "UPDATE invoice_usage SET kind = CASE WHEN invoice_id = (SELECT MIN(x.invoice_id) FROM invoice_usage x "
        "WHERE x.usage_table = invoice_usage.usage_table AND x.source = invoice_usage.source "
        "AND x.account = invoice_usage.account AND x.key = invoice_usage.key) THEN 'usage' ELSE 'adjustment' END"
    )
    db.execute(
        "CREATE TABLE invoice_items ("
        " id INTEGER PRIMARY KEY,"
        " invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,"
        " kind TEXT NOT NULL CHECK (kind IN ('hours', 'expense', 'item', 'discount')),"
        " day TEXT,"  # local day of the work or expense (optional)
        " description TEXT NOT NULL,"
        " project TEXT, task TEXT,"
        " quantity TEXT NOT NULL,"  # Decimal text: hours for 'hours', 1 otherwise
        " unit_price TEXT NOT NULL,"  # Decimal text, invoice currency
        " cost TEXT,"  # what it cost the contractor (expenses passed on), for the margin report
        " source TEXT NOT NULL DEFAULT 'manual',"  # manual | harvest | kimai | clockify
        " entry_key TEXT,"  # an imported entry's natural key
        " created_ms INTEGER NOT NULL,"
        " UNIQUE (invoice_id, entry_key))"
    )
    db.execute("CREATE INDEX invoice_items_entry ON invoice_items (entry_key)")
    db.execute(
        "CREATE TABLE invoice_periods ("
        " invoice_id INTEGER NOT NULL REFERENCES invoices(id),"
        " client_tag_id INTEGER NOT NULL,"
        " fee_key TEXT NOT NULL,"  # which recurring fee ('fee' for the fixed plan's)
        " period TEXT NOT NULL,"  # 2026-11, 2026-W45, 2026-Q4, 2026
        " PRIMARY KEY (invoice_id, fee_key, period))"
    )
    db.execute("CREATE INDEX invoice_periods_client ON invoice_periods (client_tag_id, fee_key, period)")
    db.execute(
        "CREATE TABLE invoice_payments ("
        " id INTEGER PRIMARY KEY,"
        " invoice_id INTEGER NOT NULL REFERENCES invoices(id),"
        " day TEXT NOT NULL,"
        " amount TEXT NOT NULL,"  # Decimal text, invoice currency
        " amount_minor INTEGER NOT NULL,"
        " note TEXT,"
        " created_ms INTEGER NOT NULL)"
    )
    db.execute("CREATE INDEX invoice_payments_invoice ON invoice_payments (invoice_id)")
    db.execute(
        "CREATE TABLE invoice_reminders ("
        " invoice_id INTEGER NOT NULL REFERENCES invoices(id),"
        " level INTEGER NOT NULL,"
        " day TEXT NOT NULL,"
        " issued_ms INTEGER NOT NULL,"
        " PRIMARY KEY (invoice_id, level))"
    )
    db.execute(
        "CREATE TABLE client_budget_alerts ("
        " tag_id INTEGER NOT NULL,"
        " month TEXT NOT NULL,"  # YYYY-MM (local)
        " threshold_pct INTEGER NOT NULL,"
        " fired_ms INTEGER NOT NULL,"
        " PRIMARY KEY (tag_id, month, threshold_pct))"
    )


@migrations()
def m110_team_protocol(db: Database) -> None:
    # This member's own steps of the team protocol, one row per team, week and step
    # (contribution, view, reveal-base, reveal-groups): the exact file it wrote. A step is
    # taken once: a second view of a week, or a second contribution with other masks, would
    # let the folder's readers compare the two. Holds masked vectors and shares, no figures.
    db.execute(
        "CREATE TABLE team_protocol ("
        " team TEXT NOT NULL, week TEXT NOT NULL, step TEXT NOT NULL, settings_version INTEGER NOT NULL,"
        " payload TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (team, week, step))"
    )


@migrations()
def m120_plans_and_limit_windows(db: Database) -> None:
    # Plans and limit windows are data beside usage, not usage (DESIGN.md section 9).
    # A plan: the subscription that pays for one agent's usage from `since_day` (inclusive local
    # day) to `until_day` (inclusive; NULL while it runs). One plan per agent and start day: a
    # later start for the same agent replaces the earlier plan from that day on.
    db.execute(
        "CREATE TABLE plans ("
        " id INTEGER PRIMARY KEY,"
        " source TEXT NOT NULL,"  # the agent whose usage it covers: claude_code, codex, gemini_cli
        " plan TEXT NOT NULL,"  # a known plan's id (resources/plans.json) or the user's own name
        " name TEXT NOT NULL,"
        " monthly_price TEXT NOT NULL,"  # Decimal text in `currency`
        " currency TEXT NOT NULL,"
        " since_day TEXT NOT NULL,"
        " until_day TEXT,"
        " created_ms INTEGER NOT NULL,"
        " UNIQUE (source, since_day))"
    )
    # One row per reading of a plan's limit window; re-reading a log writes the same rows.
    db.execute(
        "CREATE TABLE limit_windows ("
        " source TEXT NOT NULL,"
        " account TEXT NOT NULL DEFAULT '',"
        " limit_id TEXT NOT NULL,"
        " observed_ms INTEGER NOT NULL,"
        " used_pct REAL NOT NULL,"  # a measurement (percent), not money
        " window_minutes INTEGER,"
        " resets_at_ms INTEGER,"
        " name TEXT,"
        " detail TEXT,"  # JSON: figures the window carries besides the percentage
        " PRIMARY KEY (source, account, limit_id, observed_ms)) WITHOUT ROWID"  # one b-tree: a log import
    )  # writes thousands of readings


@migrations()
def m130_project_and_session_rollups(db: Database) -> None:
    # Rollups of events per project and tag (hourly) and per session (its part of each UTC day), kept
    # by triggers like events_hourly, so the Usage page's Projects and Sessions views, reports by project,
    # tag and session, ROI and nudges read thousands of rows instead of every request (storage.rollups).
    # The hourly rollup is rebuilt (as m060 and m090 did) with the count of rows that have a cost.
    from tracker.storage.rollups import HOURLY_V4, PROJECTS_V1, SESSIONS_V1

    for name in ROLLUP_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE events_hourly")
    for rollup in (HOURLY_V4, PROJECTS_V1, SESSIONS_V1):
        rollup.build(db)
    # Requests without a session by time: nudges read them one by one (each is its own unit of work),
    # and the sessions from the rollup.
    db.execute("CREATE INDEX events_lone_ts ON events (ts_ms) WHERE session IS NULL OR session = ''")


@migrations()
def m140_tagged_usage_rollup(db: Database) -> None:
    # A rollup of tagged events per tag, hour, source, account, model and project (storage.rollups),
    # kept by triggers like the others, so that an invoice draft's live total and a client's budget
    # read hundreds of rows instead of every request of the month.
    from tracker.storage.rollups import TAGGED_V1

    TAGGED_V1.build(db)


@migrations()
def m140_session_totals_rollup(db: Database) -> None:
    # One row per session (storage.rollups), kept by triggers, indexed by its first request: the Usage
    # page lists the newest sessions of a year a page at a time (storage.session_pages).
    from tracker.storage.rollups import SESSION_TOTALS_INDEXES_V1, SESSION_TOTALS_V1

    SESSION_TOTALS_V1.build(db)
    for sql in SESSION_TOTALS_INDEXES_V1:
        db.execute(sql)


@migrations()
def m160_project_daily_rollup(db: Database) -> None:
    # The project rollup by UTC day (storage.rollups), kept by triggers like the others: a year's projects,
    # or a month by tag, sum the days of the window and read only its first and last part-days by the hour.
    from tracker.storage.rollups import PROJECTS_DAILY_V1

    PROJECTS_DAILY_V1.build(db)


@migrations()
def m160_model_daily_rollup(db: Database) -> None:
    # The hourly rollup (source and model) by UTC day, the same way: a year's daily report reads each local
    # day as its UTC day and an hour or two.
    from tracker.storage.rollups import HOURLY_DAILY_V1

    HOURLY_DAILY_V1.build(db)


@migrations()
def m210_session_labels(db: Database) -> None:
    # session_totals keeps what a report row of a session prints besides its sums, its models and the
    # extremes of its projects (storage.rollups.SESSION_LABELS_V1), so that a year of sessions as JSON is
    # printed from one row each. Its triggers are replaced by ones that keep them too, unless they are gone
    # (the rollup is not live: it stays so).
    from tracker.storage.rollups import SESSION_TOTALS_V1, SESSION_TOTALS_V2, fill_labels

    found = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()}
    for label in SESSION_TOTALS_V2.labels:
        db.execute(f"ALTER TABLE {SESSION_TOTALS_V2.table} ADD COLUMN {label.name} TEXT")
    if set(SESSION_TOTALS_V1.triggers) <= found:
        for name in SESSION_TOTALS_V1.triggers:
            db.execute(f"DROP TRIGGER {name}")
        for sql in SESSION_TOTALS_V2.trigger_sql():
            db.execute(sql)
    for sql in fill_labels("events"):
        db.execute(sql)
