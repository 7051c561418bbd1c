"""The command line's quick answers (tracker.quick): the full command's output byte for byte, or no answer.

Each case runs the quick answer and then the full command (tracker.cli, through
click) over the same database and environment, and compares what they print.
Every case the quick path must not answer (it would print something else, or
skip something the full command does) is checked to fall back.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.corpus.gen_logs import generate
from tests.db_age import created_days_ago
from tracker import cli_format
from tracker.cli import main as full_main
from tracker.paths import get_paths
from tracker.quick import quick_answer

REPORTS = [
    ["report", "daily", "--json"],
    ["report", "weekly", "--json"],
    ["report", "monthly", "--json"],
    ["report", "daily", "--json", "--by", "source"],
    ["report", "weekly", "--tz", "Europe/Paris", "--json"],
    ["report", "daily", "--json", "--tz=America/New_York", "--by=model"],
    ["report", "monthly", "--by", "source", "--json", "--tz", "Australia/Sydney"],
    ["report", "projects", "--json"],
    ["report", "projects", "--tz=Europe/Paris", "--json"],
    # a half-hour zone: the rollup's hours do not cut its days; the reports' own code answers, without click
    ["report", "daily", "--json", "--tz", "Asia/Kolkata"],
    # whole UTC days from the rollup by day, and the part-days by the hour: a zone east of UTC (a day is its
    # UTC day, the hours before it, less its last hours), and summer time starting in the corpus's range
    ["report", "daily", "--json", "--tz", "Asia/Tokyo"],
    ["report", "daily", "--json", "--tz", "Europe/London", "--by", "source"],
    ["report", "weekly", "--json", "--tz", "America/Los_Angeles"],
    # a half-hour zone with summer time: the reports' own code
    ["report", "daily", "--json", "--tz", "America/St_Johns"],
]
# the sessions report: its rows' times in the zone's offsets (a half-hour zone, summer time in the range)
SESSION_REPORTS = [
    ["report", "sessions", "--json"],
    ["report", "sessions", "--tz", "America/St_Johns", "--json"],
    ["report", "sessions", "--json", "--tz=Europe/London"],
    # ... as a text table and as CSV (commands.session_text)
    ["report", "sessions"], ["report", "sessions", "--tz", "America/St_Johns"],
    ["report", "sessions", "--csv"], ["report", "sessions", "--tz=Asia/Kolkata", "--csv"],
]
IMPORTS = [["import"], ["import", "--json"]]


def _seconds_hidden(text: str) -> str:
    """The import's own timing is the one figure that differs from run to run."""
    return re.sub(r'"seconds": [0-9.]+', '"seconds": S', re.sub(r" in [0-9.]+s\.", " in Ss.", text))


def _full(args: list[str]) -> str:
    result = CliRunner().invoke(full_main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _same(args: list[str]) -> str:
    quick = quick_answer(args)
    assert quick is not None, f"no quick answer for {args}"
    assert _seconds_hidden(quick) == _seconds_hidden(_full(args)), args
    return quick


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "c"
    generate(out, mb=2, seed=19, days=40, end_date="2026-03-31", dup_rate=0.3, claude_subagent_rate=0.2)
    return out


@pytest.fixture
def agents(corpus, monkeypatch):
    home = corpus / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    monkeypatch.setenv("CODEX_HOME", str(home / ".codex"))
    return home


@pytest.fixture
def imported(agents):
    """A database after a first import and a report."""
    _full(["import", "--json"])
    _full(["report", "daily", "--json"])
    return get_paths()


def test_the_report_after_a_first_import_is_quick_and_takes_no_backup(agents):
    """A database created minutes ago holds nothing its logs do not: its first automatic backup is the next
    day's, so the report right after the first import answers from the rollup (before: the full command,
    which copied the whole database)."""
    _full(["import", "--json"])
    paths = get_paths()
    assert _same(["report", "daily", "--json"]) == quick_answer(["report", "daily", "--json"]) is not None
    assert not list(paths.backup_dir.glob("*.db"))
    created_days_ago(paths.db_path, 1.01)  # the next day: the full command, which takes the day's backup
    assert quick_answer(["report", "daily", "--json"]) is None
    _full(["report", "daily", "--json"])
    assert len(list(paths.backup_dir.glob("*.db"))) == 1
    assert quick_answer(["report", "daily", "--json"]) is not None


@pytest.mark.parametrize("tz_env", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_answers_are_the_full_commands_output(imported, monkeypatch, tz_env):
    monkeypatch.setenv("TZ", tz_env)  # the system zone, when neither --tz nor a setting names one
    for args in IMPORTS + REPORTS + SESSION_REPORTS:
        _same(args)
    doc = json.loads(quick_answer(["report", "daily", "--json"]))
    assert len(doc["rows"]) > 10 and doc["totals"]["requests"] > 100  # not vacuous
    doc = json.loads(quick_answer(["report", "sessions", "--json"]))
    assert len(doc["rows"]) > 10 and any(row["project"] for row in doc["rows"])


def test_the_configured_timezone_and_unpriced_usage(imported):
    with sqlite3.connect(imported.db_path) as conn:  # a model nobody prices, and the user's zone
        conn.execute("UPDATE events SET cost_pico = NULL, price_id = NULL, model = 'my-own-model' "
                     "WHERE rowid IN (SELECT rowid FROM events ORDER BY rowid LIMIT 40)")
        conn.execute("INSERT INTO settings (key, value) VALUES ('timezone', '\"Asia/Tokyo\"')")
    doc = json.loads(_same(["report", "daily", "--json"]))
    assert doc["timezone"] == "Asia/Tokyo" and doc["totals"]["unpriced_requests"] == 40
    assert any(row["cost_usd"] is None for row in doc["rows"])


def test_an_empty_database_and_no_logs(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "nobody"))
    _full(["import"])  # creates the database: no logs anywhere
    for args in IMPORTS + REPORTS[:3]:
        _same(args)


def test_extra_import_folders_are_claimed_like_the_full_import(imported, corpus, tmp_path):
    from tracker.services.context import open_context
    from tracker.services.log_import import set_import_folders

    with open_context() as ctx:
        set_import_folders(ctx.store, [str(tmp_path / "not-a-copy"), str(corpus / "home" / ".codex")])
    _full(["import"])  # reads the extra folder's files (the same files: nothing new)
    doc = json.loads(_same(["import", "--json"]))
    assert doc["notes"] and doc["files_read"] == 0


@pytest.mark.parametrize("args", [
    [], ["import", "--verbose"], ["import", "--json", "--json"], ["--demo", "import"],
    ["report", "daily"], ["report", "daily", "--csv"], ["report", "sessions", "--csv", "--json"],
    ["report", "sessions", "--csv", "--csv"], ["report", "sessions", "--json", "--by", "model"],
    ["report", "sessions", "--csv", "--since", "2026-03-01"], ["report", "sessions", "--by", "source"], ["report", "sessions", "--json", "--since", "2026-03-01"],
    ["report", "sessions", "--json", "--source", "codex"], ["report", "sessions", "--json", "--tz", "No/Such_Zone"],
    ["report", "daily", "--json", "--since", "2026-03-01"], ["report", "daily", "--json", "--until", "2026-03-01"],
    ["report", "daily", "--json", "--by", "project"], ["report", "daily", "--json", "--source", "codex"],
    ["report", "daily", "--json", "--tz"], ["report", "daily", "--json", "--tz", "A", "--tz", "B"],
    ["report", "daily", "--json", "--tz", "No/Such_Zone"],
    ["report", "projects"], ["report", "projects", "--json", "--by", "model"],
    ["report", "projects", "--json", "--since", "2026-03-01"], ["report", "projects", "--json", "--tz", "No/Such_Zone"],
    ["paths"], ["import-events", "x"],
])
def test_what_the_quick_path_leaves_to_the_full_command(imported, args):
    assert quick_answer(args) is None


def _fresh_backup_day_passed(paths):
    created_days_ago(paths.db_path, 2)
    for backup in paths.backup_dir.glob("*.db"):
        old = time.time() - 2 * 86400
        os.utime(backup, (old, old))


@pytest.mark.parametrize("change", [
    "log_appended", "log_added", "database_missing", "database_damaged", "database_mode", "migration_pending",
    "backup_due", "tag_rules", "plans", "provider_buckets", "folder_unreadable", "plugin_broken", "log_folder_missing",
])
def test_anything_the_full_command_would_do_or_say_is_left_to_it(imported, agents, change, monkeypatch):
    db = imported.db_path
    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    report_too = change in ("database_missing", "database_damaged", "database_mode", "migration_pending",
                            "backup_due")
    if change == "log_appended":
        with open(session, "ab") as fh:
            fh.write(b'{"type":"user"}\n')
    elif change == "log_added":
        (session.parent / "new.jsonl").write_text("")
    elif change == "database_missing":
        db.rename(db.with_suffix(".gone"))
    elif change == "database_damaged":
        for side in ("-wal", "-shm"):
            Path(f"{db}{side}").unlink(missing_ok=True)
        db.write_bytes(b"this is not a database" * 100)
    elif change == "database_mode":
        os.chmod(db, 0o644)  # opening the store makes it private again
    elif change == "migration_pending":
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM _sqlite_migrations WHERE name = (SELECT max(name) FROM _sqlite_migrations)")
    elif change == "backup_due":
        _fresh_backup_day_passed(imported)
    elif change == "tag_rules":
        _full(["tags", "add", "acme", "--kind", "client"])
        _full(["tags", "rule", "add", "acme", "--source", "codex"])
    elif change == "plans":
        _full(["plans", "set", "--agent", "claude_code", "--plan", "claude-max-20x", "--since", "2026-01-01"])
    elif change == "provider_buckets":
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO buckets (source, account, key, kind, start_s, width_s, model) "
                         "VALUES ('openai', 'o', 'k', 'completions', 1772323200, 86400, 'gpt-5')")  # 2026-03-01
    elif change == "folder_unreadable":
        if os.geteuid() == 0:  # root reads every folder: the listing refuses it as the kernel would a user
            _refuse_listing(monkeypatch, str(session.parent))
        else:
            os.chmod(session.parent, 0)
    elif change == "plugin_broken":
        from tracker.sources import registry

        monkeypatch.setattr(registry, "_third_party_entry_points",
                            lambda rescan: [registry.EntryPoint("broken", "no_such_module_xyz:SOURCE", "x 1")])
        registry.forget()
    elif change == "log_folder_missing":
        monkeypatch.setenv("CODEX_HOME", str(agents / "no-codex-here"))  # codex's cursors stay, its files are gone
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(agents / ".claude"))
    try:
        if change in ("log_folder_missing", "plans", "provider_buckets"):
            # the import's output does not depend on these (a source whose files vanished changes nothing
            # by itself): answered, as the full import answers
            _same(["import", "--json"])
        else:
            assert quick_answer(["import", "--json"]) is None
        if report_too:
            assert quick_answer(["report", "daily", "--json"]) is None
            assert quick_answer(["report", "projects", "--json"]) is None
            assert quick_answer(["report", "sessions", "--json"]) is None
        elif change in ("plans", "provider_buckets"):  # the reports' own code answers, without click
            for args in REPORTS + SESSION_REPORTS:
                _same(args)
    finally:
        if change == "folder_unreadable":
            os.chmod(session.parent, 0o755)
        from tracker.sources import registry

        registry.forget()


def test_a_database_another_process_is_writing_is_left_to_the_full_command(imported):
    writer = sqlite3.connect(imported.db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the tray's sync, mid-import: the full command would wait for it
    try:
        assert quick_answer(["import", "--json"]) is None
        assert quick_answer(["report", "daily", "--json"]) is None
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert quick_answer(["import", "--json"]) is not None


def test_a_quick_answer_writes_nothing(imported):
    data = imported.data_dir
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in data.rglob("*")}
    cache = {p: p.stat().st_mtime_ns for p in imported.cache_dir.rglob("*")}
    for args in IMPORTS + REPORTS + SESSION_REPORTS:
        assert quick_answer(args) is not None
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in data.rglob("*")} == before
    assert {p: p.stat().st_mtime_ns for p in imported.cache_dir.rglob("*")} == cache


def test_reports_with_plans_and_provider_usage_are_the_full_commands_and_write_nothing(imported):
    _full(["plans", "set", "--agent", "claude_code", "--plan", "claude-max-20x", "--since", "2026-01-01"])
    with sqlite3.connect(imported.db_path) as conn:  # an OpenAI account's day, and what it billed
        conn.execute("INSERT INTO buckets (source, account, key, kind, start_s, width_s, model, requests, "
                     "input_tokens, cost_pico) VALUES ('openai', 'o', 'k', 'completions', 1772323200, 86400, "
                     "'gpt-5', 3, 1000, 5000000)")
    data = imported.data_dir
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in data.rglob("*")}
    docs = [json.loads(_same(args)) for args in REPORTS]
    for args in SESSION_REPORTS:
        _same(args)
    assert {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in data.rglob("*")} == before
    assert all("plan_covered_usd" in doc["totals"] for doc in docs)
    assert any(row["source"] == "openai" for doc in docs for row in doc["rows"])


def test_the_reports_read_through_a_quick_connection_writes_its_temporary_tables_only(imported):
    from tracker.storage import quick as q

    conn = q.open_for_reading(imported.db_path)
    try:
        q.writes_temporary_tables_only(conn)
        conn.execute("CREATE TEMP TABLE _w (a)")
        conn.execute("INSERT INTO _w VALUES (1)")
        conn.execute("DELETE FROM _w")
        for change in ("INSERT INTO settings (key, value) VALUES ('x', '1')", "DELETE FROM events",
                       "UPDATE events SET cost_pico = 0", "CREATE TABLE t (a)", "DROP TABLE tags",
                       "PRAGMA journal_mode=DELETE", "PRAGMA user_version=9",
                       "ATTACH DATABASE ':memory:' AS other"):
            with pytest.raises(sqlite3.DatabaseError):
                conn.execute(change)
    finally:
        conn.close()


def test_the_entry_point_answers_without_click_and_falls_back_to_it(imported, tmp_path):
    code = ("import sys; from tracker.quick import main; sys.argv = ['tracker'] + sys.argv[1:]; main(); "
            "print('click' in sys.modules, file=sys.stderr)")

    def run(*args):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=os.environ)
        return done.returncode, done.stdout, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""

    with sqlite3.connect(imported.db_path) as conn:  # text the JSON keeps as it is (ensure_ascii=False)
        conn.execute("UPDATE events SET project = '/home/zoë/日本語' WHERE rowid IN "
                     "(SELECT rowid FROM events WHERE session IS NOT NULL ORDER BY rowid LIMIT 30)")
    rc, out, click_loaded = run("report", "daily", "--json")
    assert (rc, click_loaded) == (0, "False") and out == _full(["report", "daily", "--json"])
    rc, out, click_loaded = run("report", "projects", "--json")
    assert (rc, click_loaded) == (0, "False") and out == _full(["report", "projects", "--json"])
    rc, out, click_loaded = run("report", "sessions", "--json", "--tz", "Asia/Kolkata")
    assert (rc, click_loaded) == (0, "False") and out == _full(["report", "sessions", "--json", "--tz", "Asia/Kolkata"])
    assert "/home/zoë/日本語" in out
    rc, out, _ = run("report", "daily", "--json", "--since", "2026-03-01")  # (click exits: no line printed after)
    assert rc == 0 and out == _full(["report", "daily", "--json", "--since", "2026-03-01"])
    rc, _, _ = run("report", "daily", "--json", "--tz", "No/Such_Zone")
    assert rc == 1  # the full command says what is wrong


# -- where state lives without TRACKER_HOME: platformdirs' own answer, in fewer imports ---------
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG lines are Linux's")
@pytest.mark.parametrize("env", [
    {},
    {"XDG_DATA_HOME": "/x/data", "XDG_CACHE_HOME": "/x/cache/", "XDG_STATE_HOME": "/x/state"},
    {"XDG_CONFIG_HOME": "relative/config", "XDG_DATA_HOME": ""},
    {"HOME": "/home/someone/"},
    {"HOME": "relative-home"},
    {"HOME": None},
])
def test_the_user_folders_are_platformdirs_own(env, monkeypatch):
    import platformdirs

    from tracker import paths

    monkeypatch.delenv("TRACKER_HOME")
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    expected = tuple(str(Path(f(paths.APP_NAME, appauthor=False))) for f in (
        platformdirs.user_data_dir, platformdirs.user_config_dir, platformdirs.user_log_dir,
        platformdirs.user_cache_dir))
    assert tuple(map(str, get_paths())) == expected
    assert tuple(str(Path(text)) for text in paths.folder_texts()) == expected  # (the quick report's)
    assert str(paths.demo_paths().data_dir) == str(Path(expected[3]) / "demo" / "data")


@pytest.mark.parametrize("home", ["{tmp}/state", "{tmp}/state/", "{tmp}//state/./", "{tmp}/link", "~/state",
                                  "relative-state"])
def test_the_quick_reports_folders_are_get_paths_own(home, tmp_path, monkeypatch):
    """The quick report finds its files by text (paths.folder_texts: no pathlib); they are get_paths()'s."""
    from tracker import paths

    (tmp_path / "state").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "state")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRACKER_HOME", home.format(tmp=tmp_path))
    assert tuple(Path(text) for text in paths.folder_texts()) == tuple(get_paths())


def test_a_home_folder_expanduser_cannot_find_is_left_to_the_full_command(monkeypatch):
    from tracker import paths

    monkeypatch.setenv("TRACKER_HOME", "~no_such_user_here_xyz/state")
    assert paths.folder_texts() is None
    assert quick_answer(["report", "daily", "--json"]) is None


def test_the_quick_period_reports_read_whole_days_from_the_rollup_by_day_while_it_is_live(imported):
    """A year's daily report reads each local day as its UTC day (events_daily: ~3k rows a year) and an
    hour or two (events_hourly: ~28k), as the full report does (rollup_reads.split_at_days); when that rollup
    is not live, the hours alone. A figure only the day sums hold shows which one was read."""
    from tracker.storage import quick as q
    from tracker.storage.rollups import HOURLY_DAILY

    assert (q.DAILY_ROLLUP_TABLE, q.DAILY_ROLLUP_TRIGGERS) == (HOURLY_DAILY.table, HOURLY_DAILY.triggers)
    args = ["report", "daily", "--json", "--tz", "Asia/Tokyo"]
    before = json.loads(_same(args))
    with sqlite3.connect(imported.db_path) as conn:
        conn.execute(f"UPDATE {HOURLY_DAILY.table} SET input_tokens = input_tokens + 1000")
    told = json.loads(_same(args))
    assert told["totals"]["input_tokens"] > before["totals"]["input_tokens"]
    with sqlite3.connect(imported.db_path) as conn:
        conn.execute(f"DROP TRIGGER {HOURLY_DAILY.triggers[0]}")
    assert json.loads(_same(args)) == before


def _quick_report_sql(args: list[str], monkeypatch) -> list[str]:
    """The statements the quick report `args` runs (after checking it is the full command's answer)."""
    from tracker.storage import quick as q

    statements: list[str] = []
    opened = q.open_for_reading

    def traced(path):
        conn = opened(path)
        if conn is not None:
            conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(q, "open_for_reading", traced)
    _same(args)
    return [sql for sql in statements if ("_daily" in sql or "_hourly" in sql) and "sqlite_master" not in sql]


def test_windows_that_follow_one_another_are_read_by_one_range_of_the_rollup(imported, monkeypatch):
    """A year of UTC days (or weeks) is one stretch of whole days, each window's place worked out from a row's
    time (not a list of 365 windows joined to the rollup: ~3x slower); days each of one rollup row's time,
    by model, are the rollup's rows as they are (not summed again); a zone whose days end off UTC's
    midnight reads its part-days by their list, and its days by one range."""
    monkeypatch.setenv("TZ", "UTC")
    daily = _quick_report_sql(["report", "daily", "--json"], monkeypatch)
    assert len(daily) == 1 and "json_each" not in daily[0] and "GROUP BY" not in daily[0], daily
    for args in (["report", "daily", "--json", "--by", "source"], ["report", "weekly", "--json"]):
        sql = _quick_report_sql(args, monkeypatch)
        assert len(sql) == 1 and "json_each" not in sql[0] and "GROUP BY" in sql[0], (args, sql)
    tokyo = _quick_report_sql(["report", "daily", "--json", "--tz", "Asia/Tokyo"], monkeypatch)
    assert len(tokyo) == 1 and tokyo[0].count("json_each") == 2 and "FROM events_daily WHERE" in tokyo[0], tokyo


def test_runs_of_stretches_that_follow_one_another():
    from tracker.storage.quick import _runs

    d = 86_400_000
    assert _runs([]) == []
    assert _runs([(0, 5 * d, 6 * d), (1, 6 * d, 7 * d), (2, 7 * d, 8 * d)]) == [(0, 5 * d, d, 8 * d)]
    # a gap in time, a window skipped, another length: a new run each
    assert _runs([(0, d, 2 * d), (1, 3 * d, 4 * d), (3, 4 * d, 5 * d), (4, 5 * d, 7 * d), (5, 7 * d, 9 * d)]) == \
        [(0, d, d, 2 * d), (1, 3 * d, d, 4 * d), (3, 4 * d, d, 5 * d), (4, 5 * d, 2 * d, 9 * d)]


def test_the_quick_report_imports_no_pathlib(imported):
    """A report from the rollup finds the database by text (~4 ms of pathlib at start-up), and writes its
    JSON with the C encoder alone (the json package's regular expressions: ~1 ms), nor the rollups'
    definitions (~2 ms), and its dates are the _datetime module's own (datetime.py defines its pure-Python
    version first: ~0.7 ms). Run without site (-S),
    from the checkout: an editable install's import hook loads pathlib itself."""
    code = (
        "import sys\n"
        "from tracker.quick import quick_answer\n"
        "assert quick_answer(['report', 'daily', '--json', '--tz', 'UTC']) is not None\n"
        "print(sorted({'pathlib', 'json', 'decimal', 'tracker.storage.rollups', 'fnmatch', 'datetime'}\n"
        "             & set(sys.modules)))\n"
        "assert quick_answer(['report', 'daily', '--json']) is not None\n"  # (the system's zone: zoneinfo's)
        "print(sorted({'pathlib', 'json', 'decimal', 'tracker.storage.rollups', 'fnmatch'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]", "[]"]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="tracker-.db*?[]X", max_size=14), st.sampled_from(["tracker", "tr*", "t?", "a[b]", ""]))
def test_the_backups_the_quick_check_takes_are_the_globs(name, stem):
    """The quick look's backup check tells a backup's name by its ends (no fnmatch to import, ~0.2 ms), as the
    glob of backups() takes it."""
    from fnmatch import fnmatch

    from tracker.storage.quick import _taken, backup_pattern

    assert _taken(name, stem) == fnmatch(name, backup_pattern(stem))


# -- the JSON every --json command prints ------------------------------------------------------
JSON_SCALARS = st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | \
    st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
JSON_VALUES = st.recursive(JSON_SCALARS, lambda children: st.lists(children, max_size=4) | st.tuples(children)
                           | st.dictionaries(st.text(max_size=5), children, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=5), JSON_VALUES, max_size=5) | JSON_VALUES)
def test_to_json_is_json_dumps_byte_for_byte(doc):
    assert cli_format.to_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from(["", " ", "\n", "x", "]", ",1"]), st.integers(min_value=0, max_value=40))
def test_the_plug_in_lists_json_is_read_as_json_loads_reads_it(doc, tail, cut):
    """The plug-in list's cache is read by json's C scanner alone (registry._json_value): the same value as
    json.loads, and the same error for what is not one JSON value (a tail after it, a file cut short)."""
    from tracker.sources.registry import _json_value

    for data in ((json.dumps(doc, ensure_ascii=False) + tail).encode(), json.dumps(doc).encode()[:cut]):
        try:
            expected = json.dumps(json.loads(data))
        except ValueError as exc:
            expected = repr(exc)
        try:
            found = json.dumps(_json_value(data))
        except ValueError as exc:
            found = repr(exc)
        assert found == expected, data


def test_the_quick_look_reads_the_plug_in_list_without_the_json_package(imported):
    """`tracker import` with nothing new reads the cached plug-in list (registry._read_cache) by json's C
    scanner alone, and writes its JSON by cli_format's: the json package is ~1.2 ms of its start-up. It
    reads the store by sqlite3's C module alone: the package's default adapters of dates import datetime
    (~1 ms), and it binds none. It finds the database, the list and the agents' folders by their names as
    text: no pathlib (and the urllib.parse and ipaddress it loads: ~3 ms). The built-in plug-ins are imported
    without the importlib package (and the warnings module it loads: ~0.3 ms), a backup's name told without
    fnmatch (~0.2 ms)."""
    code = (
        "import sys\n"
        "from tracker.quick import quick_answer\n"
        "assert quick_answer(['import', '--json']) is not None\n"
        "print(sorted({'json', 'datetime', 'sqlite3', 'pathlib', 'urllib.parse', 'importlib', 'warnings', 'fnmatch'}\n"
        "             & set(sys.modules)))\n"
    )
    for _ in range(2):  # (the first writes the list for this Python path, with json; the second reads it)
        done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                              env=dict(os.environ), cwd=Path(__file__).resolve().parents[2])
        assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_to_json_leaves_what_is_not_plain_to_json_dumps():
    class Text(str):
        pass

    from decimal import Decimal

    for doc in ({1: "a"}, {"a": Text("b")}, [True, 1.5, {"k": (1, 2)}]):
        assert cli_format.to_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError):
        cli_format.to_json({"a": Decimal("1")})  # as json.dumps says


def test_ctrl_c_during_a_quick_answer_is_what_the_full_command_says(monkeypatch, capsys):
    import tracker.quick as quick

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt()

    monkeypatch.setattr(quick, "_answer", interrupted)
    monkeypatch.setattr(sys, "argv", ["tracker", "import", "--json"])
    with pytest.raises(SystemExit) as exited:
        quick.main()
    assert exited.value.code == 1 and capsys.readouterr().err == "\nAborted!\n"
    # the full command line's own words and status for the same interruption
    monkeypatch.setattr("tracker.services.sync.run_sync", interrupted)
    result = CliRunner().invoke(full_main, ["import", "--json"])
    assert result.exit_code == 1 and result.stderr == "\nAborted!\n"


def test_a_year_of_sessions_is_written_a_few_rows_at_a_time(imported, monkeypatch, capsys):
    """The quick sessions report writes its rows a batch at a time as it reads them
    (session_pages.FORMATTED_BATCH_ROWS), not as one text the size of all of them (18 MB for a year, and as
    much again encoded): what it writes is the full command's output all the same."""
    import tracker.quick as quick
    from tracker.storage import session_pages

    monkeypatch.setattr(session_pages, "FORMATTED_BATCH_ROWS", 3)
    monkeypatch.setattr(sys, "argv", ["tracker", "report", "sessions", "--json"])
    writes: list[str] = []
    real_write = sys.stdout.write
    monkeypatch.setattr(sys.stdout, "write", lambda text: writes.append(text) or real_write(text))
    quick.main()
    rows = len(json.loads(capsys.readouterr().out)["rows"])
    assert rows > 10 and quick._answered  # (not vacuous: a quick answer, several writes)
    assert len(writes) == 2 * ((rows + 2) // 3) - 1  # three rows, then the separator, ...
    assert "".join(writes) == _full(["report", "sessions", "--json"])


def test_a_read_that_fails_after_part_of_the_rows_is_written_is_not_answered_twice(imported, monkeypatch, capsys):
    """Once part of the sessions' rows is out, a failing read is the command's error: the full command does not
    answer after them (it would print its whole text after the part)."""
    import tracker.quick as quick
    from tracker.services import reports

    def failing(*args, **kwargs):
        yield ['{\n  "timezone": "UTC"']
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(reports, "sessions_json_batches", failing)
    monkeypatch.setattr(sys, "argv", ["tracker", "report", "sessions", "--json"])
    with pytest.raises(SystemExit) as stop:  # an error the user can fix: said as the full command says it
        quick.main()
    said = capsys.readouterr()
    assert stop.value.code == 1 and said.out == '{\n  "timezone": "UTC"' and not quick._answered
    assert said.err.startswith("\nError: ") and "disk" in said.err.lower()

    def failing_otherwise(*args, **kwargs):
        yield ['{\n  "timezone": "UTC"']
        raise RuntimeError("a bug")

    monkeypatch.setattr(reports, "sessions_json_batches", failing_otherwise)
    with pytest.raises(RuntimeError):  # anything else: raised, as the full command raises it
        quick.main()
    assert capsys.readouterr().out == '{\n  "timezone": "UTC"' and not quick._answered


def test_a_reader_that_goes_away_ends_the_answer_quietly_with_status_1(imported, monkeypatch, capsys):
    """`tracker report sessions --json | head`: the pipe closes while the rows are written. As click's main does:
    nothing more said (no traceback), status 1; the rows' read ends then, while its connection is open (it
    was left to the collector, after the store's close: "Exception ignored ... closed database")."""
    import tracker.quick as quick
    from tracker.services import reports

    ended = []

    def rows(*args, **kwargs):
        try:
            for n in range(100):
                yield [f'"row {n}"']
        finally:
            ended.append(n)

    class ClosedAfterFirstWrite:
        def __init__(self):
            self.writes = []

        def write(self, text):
            if self.writes:
                raise BrokenPipeError(32, "Broken pipe")
            self.writes.append(text)

        def flush(self):
            if len(self.writes) > 0:
                raise BrokenPipeError(32, "Broken pipe")

    pipe = ClosedAfterFirstWrite()
    monkeypatch.setattr(reports, "sessions_json_batches", rows)
    monkeypatch.setattr(sys, "stdout", pipe)
    monkeypatch.setattr(sys, "argv", ["tracker", "report", "sessions", "--json"])
    with pytest.raises(SystemExit) as stop:
        quick.main()
    assert stop.value.code == 1 and pipe.writes == ['"row 0"'] and ended == [1]
    sys.stdout.flush()  # the interpreter's last flush at exit: says nothing of the closed pipe
    assert capsys.readouterr().err == "" and not quick._answered


@pytest.mark.parametrize("args", [["report", "sessions"], ["report", "sessions", "--csv"]])
def test_a_sessions_table_or_csv_that_fails_before_it_is_written_is_the_full_commands(imported, monkeypatch, capsys,
                                                                                      args):
    """The quick table or CSV of the sessions failing before any of it is written: the full command answers
    (the same text); failing after part of it is out: the command's error, not a second answer."""
    import tracker.quick as quick
    from tracker.commands import session_text

    expected = _full(args)
    name = "sessions_csv_batches" if "--csv" in args else "sessions_table_batches"
    real = getattr(session_text, name)
    calls = []

    def failing_first(*a, **kw):  # the quick path's call fails; the full command's (the next) reads
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database disk image is malformed")
        return real(*a, **kw)

    monkeypatch.setattr(session_text, name, failing_first)
    monkeypatch.setattr(sys, "argv", ["tracker", *args])
    with pytest.raises(SystemExit) as exited:  # (click's end of the full command)
        quick.main()
    assert exited.value.code == 0 and capsys.readouterr().out == expected and len(calls) == 2
    assert not quick._answered

    def failing_later(*a, **kw):
        yield ["Sessions usage"]
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(session_text, name, failing_later)
    with pytest.raises(SystemExit) as stop:  # an error the user can fix, said as the full command says it
        quick.main()
    said = capsys.readouterr()
    assert stop.value.code == 1 and said.out == "Sessions usage" and said.err.startswith("\nError: ")
    assert not quick._answered


def _refuse_listing(monkeypatch, folder: str) -> None:
    """Opening or listing `folder` fails with EACCES, as for a user without the permission."""
    from tracker.sources import discovery

    real_open, real_scandir = os.open, os.scandir

    def refused(path):
        return isinstance(path, str) and os.path.normpath(path) == os.path.normpath(folder)

    def open_(path, *args, **kwargs):
        if refused(path):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    def scandir(path="."):
        if refused(path):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "open", open_)
    monkeypatch.setattr(discovery.os, "scandir", scandir)


# -- `tracker import` after an append: the full command takes the quick look's walk ------------
def _main(args: list[str], capsys) -> tuple[int, str]:
    code, out, _ = _main_both(args, capsys)
    return code, out


def _main_both(args: list[str], capsys, frozen: list | None = None) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the `tracker` entry point, in this process (`frozen` gets how many
    objects it left frozen)."""
    import gc

    import tracker.quick as quick

    sys.argv = ["tracker", *args]
    collecting = gc.isenabled()
    try:
        quick.main()
        code = 0
    except SystemExit as exited:  # click's standalone mode exits
        code = exited.code or 0
    finally:
        if frozen is not None:
            frozen.append(gc.get_freeze_count())
        gc.unfreeze()  # (an import leaves its objects frozen and the collector off: its process ends there,
        if collecting:  # this one does not)
            gc.enable()
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _counting_walks(monkeypatch) -> list[list[str]]:
    """The sources each walk of the log folders asked to discover (a list per walk)."""
    from tracker.services import log_changes

    walks: list[list[str]] = []
    real = log_changes._discover

    def counted(sources, roots, report):
        found = real(sources, roots, report)
        walks.append([kind for kind, *_ in found])
        return found

    monkeypatch.setattr(log_changes, "_discover", counted)
    return walks


def test_an_import_after_an_append_walks_the_folders_once_and_says_what_a_full_import_says(
        imported, agents, monkeypatch, capsys):
    from tracker.sources import registry

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    walks = _counting_walks(monkeypatch)
    with open(session, "ab") as fh:
        fh.write(b'{"type":"user"}\n')
    code, out = _main(["import", "--json"], capsys)
    assert code == 0 and json.loads(out)["files_read"] == 1
    assert len(walks) == 1  # one walk: the quick look's, taken by the full import
    with open(session, "ab") as fh:  # the same change again, imported by the full command alone
        fh.write(b'{"type":"user"}\n')
    assert _seconds_hidden(out) == _seconds_hidden(_full(["import", "--json"]))
    assert len(walks) == 2
    code, again = _main(["import", "--json"], capsys)  # nothing new: the quick answer, one walk
    assert code == 0 and json.loads(again)["files_read"] == 0 and len(walks) == 3


def test_an_import_of_changed_logs_leaves_its_objects_to_the_exit_frozen(imported, agents, monkeypatch, capsys):
    # the interpreter's exit would otherwise run the cycle collector over all of them (~3% of a first import)
    import gc

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    with open(session, "ab") as fh:
        fh.write(b'{"type":"user"}\n')
    frozen = []
    code, out, _ = _main_both(["import", "--json"], capsys, frozen)
    assert code == 0 and json.loads(out)["files_read"] == 1
    code, out, _ = _main_both(["report", "daily", "--json"], capsys, frozen)  # so does a quick answer
    assert code == 0 and json.loads(out)
    assert min(frozen) > 1000 and gc.get_freeze_count() == 0  # (and none left frozen in this process)


def test_a_handed_over_walk_is_taken_once_and_only_by_an_import_of_the_same_roots(imported, agents, monkeypatch):
    from tracker.services import log_changes
    from tracker.services.log_changes import ImportReport, changed_files
    from tracker.sources import registry

    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    walked: list = []
    changed_files(lambda kind: {}, None, ImportReport(), walked)
    gone = [(kind, source, [s for s in files if s.path != str(session)]) for kind, source, files in walked]
    walks = _counting_walks(monkeypatch)
    kinds = list(registry.load().sources)

    def seen(roots) -> int:
        report = ImportReport()
        changed_files(lambda kind: {}, roots, report)
        return report.files_seen

    log_changes.hand_over(None, gone)  # a walk that (as if it were older) misses one file
    assert seen(None) == sum(len(files) for _, _, files in walked) - 1 and walks == []  # taken: no walk
    assert seen(None) == sum(len(files) for _, _, files in walked) and walks == [kinds]  # once only
    log_changes.hand_over(None, gone)
    seen({"claude_code": [agents / ".claude"]})  # other roots: walks itself (its one source)
    assert walks == [kinds, ["claude_code"]]
    assert seen(None) == sum(len(files) for _, _, files in walked)  # and the walk was dropped, not kept


def test_a_walk_by_other_discover_functions_is_not_taken(imported, agents, monkeypatch):
    """The import takes a handed-over walk only if each of its sources discovered with the very function the
    import's own source has (the quick look's finders are the built-ins' module-level discover)."""
    from tracker.services import log_changes
    from tracker.services.log_changes import ImportReport, changed_files
    from tracker.sources import registry

    walked: list = []
    changed_files(lambda kind: {}, None, ImportReport(), walked, registry.builtin_finders())
    assert [(kind, discover) for kind, discover, _ in walked] == \
        [(kind, source.discover) for kind, source in registry.load().sources.items()]
    other = [(kind, (lambda configured=None, unreadable=None: []) if kind == "codex" else discover, files)
             for kind, discover, files in walked]
    walks = _counting_walks(monkeypatch)
    log_changes.hand_over(None, other)
    changed_files(lambda kind: {}, None, ImportReport())
    assert len(walks) == 1  # not taken: walked again
    log_changes.hand_over(None, walked)
    changed_files(lambda kind: {}, None, ImportReport())
    assert len(walks) == 1  # the quick look's own walk: taken


def _counted_calls(monkeypatch, owner, name: str, wrap=lambda f: f, unwrap=lambda f: f) -> list[int]:
    """How many times owner.name was called (read, for a property: `wrap`/`unwrap` make and take one apart)."""
    calls: list[int] = []
    real = unwrap(getattr(owner, name))

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(owner, name, wrap(counted))
    return calls


def _counting_stat_key_reads(monkeypatch) -> list[int]:
    """How many times the stored stats of every cursor were read (storage.quick.all_cursor_stat_keys)."""
    from tracker.storage import quick as q

    return _counted_calls(monkeypatch, q, "all_cursor_stat_keys")


def test_an_import_after_an_append_reads_the_stored_stats_once(imported, agents, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    reads = _counting_stat_key_reads(monkeypatch)
    _append_a_request(_a_session(agents))
    code, out = _main(["import", "--json"], capsys)
    assert code == 0 and json.loads(out)["events_added"] == 1
    assert len(reads) == 1  # the quick look's, taken by the import
    code, again = _main(["import", "--json"], capsys)  # nothing new: the quick look alone, which read them
    assert code == 0 and json.loads(again)["files_read"] == 0 and len(reads) == 2


def _counting_comparisons(monkeypatch) -> list[int]:
    """How many times a file's stat was compared with a stored one (FileStat.stat_key read), per call."""
    from tracker.sources.discovery import FileStat

    return _counted_calls(monkeypatch, FileStat, "stat_key", wrap=property, unwrap=lambda p: p.fget)


def test_an_import_after_an_append_compares_each_file_once(imported, agents, monkeypatch, capsys):
    """The import takes what the quick look's comparison found rather than comparing every file again."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    compared = _counting_comparisons(monkeypatch)
    _append_a_request(_a_session(agents))
    code, out = _main(["import", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["events_added"] == 1 and doc["files_seen"] > 1
    # each file's stat once (the quick look's comparison), plus the changed file's cursor that the import writes
    assert len(compared) == doc["files_seen"] + doc["files_read"]


@pytest.mark.parametrize("committed", [False, True])
def test_a_comparison_is_taken_only_while_no_connection_has_committed_since(imported, agents, committed,
                                                                             monkeypatch):
    """The import takes what the quick look's comparison with its read of the cursors found only while that
    read is the database's: a cursor another process removed in between (its file to be read again) is the
    import's to see, by its own read and comparison. The store the import opens takes the quick look's
    connection (as quick._import_changed hands both over)."""
    from tracker.quick import _KeptComparison
    from tracker.services import log_changes
    from tracker.services.log_changes import ImportReport, changed_files
    from tracker.sources import registry
    from tracker.storage import db, open_store
    from tracker.storage import quick as q

    session = _a_session(agents)
    conn = q.open_for_reading(imported.db_path)
    version = q.data_version(conn)
    stat_keys = q.all_cursor_stat_keys(conn)
    walked: list = []
    found = changed_files(lambda kind: stat_keys.get(kind, {}), None, ImportReport(), walked,
                          registry.builtin_finders())
    assert not any(files for _, _, files in found)
    if committed:
        other = sqlite3.connect(imported.db_path)
        with other:
            other.execute("DELETE FROM cursors WHERE key = ?", (str(session),))
        other.close()
    compared = _KeptComparison(conn, str(imported.db_path), version, [files for _, _, files in found])
    log_changes.hand_over(None, walked, compared)
    db.hand_over(compared.path, conn)
    reads = _counting_stat_key_reads(monkeypatch)
    comparisons = _counting_comparisons(monkeypatch)
    store = open_store(imported.db_path, imported.backup_dir)
    try:
        assert store.conn is conn  # taken: the schema is not read again
        report = ImportReport()
        changed = [stat.path for _, _, files in changed_files(store.cursor_stat_keys, None, report) for stat in files]
    finally:
        store.close()
    assert changed == ([str(session)] if committed else [])
    assert report.files_seen == sum(len(files) for _, _, files in walked) > 0
    assert report.files_unchanged == report.files_seen - len(changed)
    # the import's own read and comparison only when the quick look's read was stale
    assert len(reads) == (1 if committed else 0)
    assert len(comparisons) == (report.files_seen if committed else 0)


def test_a_comparison_is_not_taken_once_its_connection_has_changed_something(imported, agents):
    """The store that takes the quick look's connection may write with it before the import compares: its
    own commits do not move that connection's data_version, so its count of changes tells them."""
    from tracker.quick import _KeptComparison
    from tracker.storage import db, open_store
    from tracker.storage import quick as q

    conn = q.open_for_reading(imported.db_path)
    compared = _KeptComparison(conn, str(imported.db_path), q.data_version(conn), [[]])
    db.hand_over(compared.path, conn)
    store = open_store(imported.db_path, imported.backup_dir)
    try:
        assert store.conn is conn
        store.set_setting("a_test_setting", 1)
        assert compared() is None
    finally:
        store.close()


def test_a_comparison_whose_connection_was_closed_is_not_taken(imported):
    from tracker.quick import _KeptComparison
    from tracker.storage import quick as q

    conn = q.open_for_reading(imported.db_path)
    compared = _KeptComparison(conn, str(imported.db_path), q.data_version(conn), [[]])
    conn.close()
    assert compared() is None


def test_a_comparison_handed_over_with_a_walk_not_taken_is_not_taken_either(imported, agents, monkeypatch):
    """A walk refused (other roots) takes its comparison with it: the import compares its own walk."""
    from tracker.quick import _KeptComparison
    from tracker.services import log_changes
    from tracker.services.log_changes import ImportReport, changed_files
    from tracker.sources import registry
    from tracker.storage import quick as q

    conn = q.open_for_reading(imported.db_path)
    try:
        walked: list = []
        changed_files(lambda kind: {}, None, ImportReport(), walked, registry.builtin_finders())
        everything = [list(files) for _, _, files in walked]  # (as if every file had changed)
        log_changes.hand_over(None, walked, _KeptComparison(conn, str(imported.db_path), q.data_version(conn),
                                                            everything))
        stored = q.all_cursor_stat_keys(conn)
        roots = {"claude_code": [agents / ".claude"]}
        found = changed_files(lambda kind: stored.get(kind, {}), roots, ImportReport())
        assert [kind for kind, _, _ in found] == ["claude_code"] and found[0][2] == []  # its own comparison
    finally:
        conn.close()


def test_a_connection_handed_over_is_set_up_as_connect_sets_up_a_new_one(imported):
    from tracker.storage import db
    from tracker.storage import quick as q

    pragmas = ("query_only", "journal_mode", "synchronous", "foreign_keys", "busy_timeout", "recursive_triggers")
    fresh = db.connect(imported.db_path)
    expected = [fresh.execute(f"PRAGMA {name}").fetchone()[0] for name in pragmas]
    fresh.close()
    conn = q.open_for_reading(imported.db_path)
    assert q.write_lock_free(conn)  # (as the quick look leaves it: busy_timeout 0, query_only on)
    db.hand_over(str(imported.db_path), conn)
    taken = db.connect(imported.db_path)
    try:
        assert taken is conn
        assert [taken.execute(f"PRAGMA {name}").fetchone()[0] for name in pragmas] == expected
        assert expected[:2] == [0, "wal"]
        taken.execute("INSERT INTO settings (key, value) VALUES ('a_test_setting', '1')")  # it writes
        again = db.connect(imported.db_path)  # once only
        assert again is not conn
        again.close()
    finally:
        taken.close()


def test_a_connection_handed_over_for_another_file_or_not_taken_is_closed(imported, tmp_path):
    from tracker.storage import db
    from tracker.storage import quick as q

    conn = q.open_for_reading(imported.db_path)
    db.hand_over(str(imported.db_path), conn)
    other = db.connect(tmp_path / "other.db")  # another file: its own connection, and the handed one closed
    other.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")
    conn = q.open_for_reading(imported.db_path)
    db.hand_over(str(imported.db_path), conn)
    db.drop_handed_over()  # (the import stopped before it opened the store)
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")


def test_an_import_after_an_append_opens_the_database_once(imported, agents, monkeypatch, capsys):
    import _sqlite3

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    opened = []
    for module in (sqlite3, _sqlite3):  # (the quick look's storage.quick binds _sqlite3 alone)
        def counted(*args, real=module.connect, **kwargs):
            opened.append(str(args[0]))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, "connect", counted)
    _append_a_request(_a_session(agents))
    code, out = _main(["import", "--json"], capsys)
    assert code == 0 and json.loads(out)["events_added"] == 1
    assert opened == [str(imported.db_path)]  # the quick look's, which the import's store takes


def _a_session(agents: Path) -> Path:
    """A Claude Code transcript with requests in it that ends with a whole line (the corpus cuts a few)."""
    return next(p for p in sorted((agents / ".claude" / "projects").rglob("*.jsonl"))
                if '"usage"' in p.read_text() and p.read_text().endswith("\n"))


def _append_a_request(session: Path) -> None:
    """A new request (ids never seen: the corpus is shared by the tests of this module)."""
    line = json.loads(next(ln for ln in session.read_text().splitlines() if '"usage":{' in ln.replace(" ", "")))
    new = f"appended_{time.time_ns()}"
    line["message"]["id"] = f"msg_{new}"
    line["requestId"] = f"req_{new}"
    line["uuid"] = new
    with open(session, "a") as fh:
        fh.write(json.dumps(line, separators=(",", ":")) + "\n")


@pytest.mark.parametrize("args", IMPORTS)
def test_an_import_of_changed_logs_prints_what_the_full_command_prints(imported, agents, args, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    session = _a_session(agents)
    with open(session, "ab") as fh:
        fh.write(b"not json at all\n")  # a skipped line: the text report says so
    _append_a_request(session)
    code, out, err = _main_both(args, capsys)
    assert code == 0 and err == ""
    _append_a_request(session)  # the same change again, for the full command alone
    with open(session, "ab") as fh:
        fh.write(b"not json at all\n")
    full = CliRunner().invoke(full_main, args, catch_exceptions=False)
    assert full.exit_code == 0 and _seconds_hidden(out) == _seconds_hidden(full.stdout) and full.stderr == err
    assert ("1 new" in out or '"events_added": 1' in out), out  # not vacuous: one request imported each time


def _an_import_in_a_process() -> tuple[dict, set[str]]:
    """(the report, the modules loaded) of `tracker import --json` run by the entry point in a process of its own."""
    code = ("import sys; from tracker.quick import main; sys.argv = ['tracker', 'import', '--json']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "import json; print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=os.environ)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_an_import_of_a_claude_append_loads_neither_click_nor_what_it_does_not_need(imported, agents, tmp_path):
    _append_a_request(_a_session(agents))
    report, loaded = _an_import_in_a_process()
    assert report["events_added"] == 1 and "tracker.services.log_import" in loaded
    # what a Claude Code append needs none of: click, OpenSSL (hashlib), orjson, the limit readings'
    # classes (Codex's), genai-prices (its prices are in the price cache)
    not_needed = {"click", "hashlib", "_hashlib", "orjson", "tracker.core.limits", "genai_prices"}
    assert not_needed & loaded == set()


# What the import of a small append loads only for a big read or for an error, each where it is used:
LAZY_FOR_A_SMALL_APPEND = {
    # msgspec's typed decoder (~7 ms with what it loads): a process's first ~1.5 MiB of Claude Code transcript
    # are read with the standard library's json (claude_code.PLAIN_READ_MAX_BYTES)
    "msgspec", "tracker.sources.claude_lines", "typing_extensions", "uuid", "platform",
    "tracker.storage.recovery",  # the automatic backup's: only when one is due (storage.store.open_store)
    "tracker.storage.rollup_reads",  # the reports' reads
    "tracker.services.tagging",  # only where there are tagging rules (services.sync)
    "typing",  # (on this path, annotations only: TYPE_CHECKING = False)
    "logging",  # when something is logged (core.lazy_logging): the log file gets what it got, below
    "tracker.core.provider_usage",  # a provider account's buckets and billed lines
    # how parse workers would start and how they follow their parent: only for an import big enough for them
    "threading", "tracker.services.parent_watch",
}


def test_a_small_append_s_import_loads_what_only_big_reads_and_errors_need_nowhere(imported, agents):
    _append_a_request(_a_session(agents))
    report, loaded = _an_import_in_a_process()
    assert report["events_added"] == 1 and "tracker.sources.claude_code" in loaded  # not vacuous: read and written
    assert LAZY_FOR_A_SMALL_APPEND & loaded == set()


def test_what_the_import_of_an_append_logs_reaches_the_log_file(imported, agents):
    """The log file is installed when logging loads (tracker.lazy_log), as it was before the import began."""
    (imported.cache_dir / "prices-resolved.json").write_text("not a price cache")  # logged, then replaced
    log_file = imported.log_path
    before = log_file.read_text() if log_file.exists() else ""
    _append_a_request(_a_session(agents))
    report, loaded = _an_import_in_a_process()
    assert report["events_added"] == 1 and "logging" in loaded
    new = log_file.read_text()[len(before):]
    assert re.search(r" INFO tracker\.pricing\.resolution_cache: price cache .*prices-resolved\.json unreadable", new), new


def _failing(exc: BaseException):
    def run_sync(*args, **kwargs):
        raise exc

    return run_sync


@pytest.mark.parametrize("failure", [
    ValueError("a bad setting, said in one line"),
    OSError(28, "No space left on device"),  # a full disk: the sentence that says what to do
    KeyboardInterrupt(),
])
def test_an_import_of_changed_logs_fails_as_the_full_command_does(imported, agents, failure, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    with open(session, "ab") as fh:
        fh.write(b'{"type":"user"}\n')
    monkeypatch.setattr("tracker.services.sync.run_sync", _failing(failure))
    code, out, err = _main_both(["import", "--json"], capsys)
    full = CliRunner().invoke(full_main, ["import", "--json"])
    assert (code, out, err) == (full.exit_code, full.stdout, full.stderr)
    assert code == 1 and err.strip()  # not vacuous: it failed, and said so


def test_an_unexpected_error_in_an_import_of_changed_logs_is_raised(imported, agents, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["tracker", "import", "--json"])
    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    with open(session, "ab") as fh:
        fh.write(b'{"type":"user"}\n')
    monkeypatch.setattr("tracker.services.sync.run_sync", _failing(RuntimeError("a bug")))
    import tracker.quick as quick

    with pytest.raises(RuntimeError, match="a bug"):  # a traceback, as from the full command
        quick.main()


def test_an_import_with_a_progress_bar_to_show_is_the_full_commands(imported, agents, monkeypatch):
    session = next((agents / ".claude" / "projects").rglob("*.jsonl"))
    with open(session, "ab") as fh:
        fh.write(b'{"type":"user"}\n')
    import tracker.quick as quick

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert quick_answer(["import"]) is None and quick._walk == []  # the full command draws the bar
    assert quick_answer(["import", "--json"]) is None and quick._walk  # no bar with --json


def test_a_closed_pipe_during_an_import_of_changed_logs_ends_quietly_with_status_1(imported, monkeypatch):
    """As click's main: a reader that went away (`tracker import | head -1`) is no traceback."""
    import errno

    from tracker.commands import import_run

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # (restored after the test: run() replaces both)
    assert import_run.run(as_json=True) == 1
    sys.stdout.flush()  # the interpreter's last flush at exit: no second BrokenPipeError


def test_a_command_line_import_keeps_the_cycle_collector_off_to_its_exit(agents):
    """The process ends with the import: the collector's passes over what the import left alive, and its
    pass at exit, would only free what the exit frees. Every way `tracker import` runs: the full command (a
    first import), the import without click (an append), the quick answer (nothing new); a quick report too
    (its allocations make no cycles worth a pass); a report by the full command keeps it."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: print('collector on:', gc.isenabled(), file=sys.stderr))\n"
            "from tracker.quick import main; sys.argv = ['tracker'] + sys.argv[1:]; main()")

    def collector_at_exit(*args: str) -> str:
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=os.environ)
        assert done.returncode == 0, done.stderr
        return done.stderr.strip().splitlines()[-1]

    assert collector_at_exit("import", "--json") == "collector on: False"
    assert quick_answer(["report", "daily", "--json"]) is not None  # (imported)
    _append_a_request(_a_session(agents))
    assert collector_at_exit("import", "--json") == "collector on: False"
    assert collector_at_exit("import") == "collector on: False"
    assert collector_at_exit("report", "daily", "--json") == "collector on: False"
    assert collector_at_exit("report", "daily", "--json", "--since", "2026-01-01") == "collector on: True"


def test_the_console_script_ends_at_once_after_a_quick_answer_and_only_then(imported, tmp_path):
    """`tracker` (quick.run) ends the process as soon as a quick answer is written, without the interpreter's
    own end (its modules freed one by one: ~1.5 ms); where an exit handler waits, or the full command ran, the
    interpreter ends as usual. The same output and status either way. (The interpreter's end is told by a
    file left open with text in its buffer: the interpreter's end writes it, an end at once does not.)"""
    probe = tmp_path / "probe.txt"
    code = ("import sys\n"
            f"probe = open({str(probe)!r}, 'w')\n"
            "probe.write('interpreter end')\n"
            "{handler}"
            "from tracker.quick import run; sys.argv = ['tracker'] + sys.argv[1:]; run()\n")

    def ended(*args: str, handler: str = "") -> tuple[int, str, str]:
        done = subprocess.run([sys.executable, "-c", code.format(handler=handler), *args], capture_output=True,
                              text=True, env=os.environ)
        return done.returncode, done.stdout, probe.read_text()

    assert ended("report", "daily", "--json") == (0, _full(["report", "daily", "--json"]), "")
    rc, out, end = ended("import", "--json")
    assert (rc, json.loads(out)["files_read"], end) == (0, 0, "")
    handler = "import atexit; atexit.register(print, 'handler')\n"
    assert ended("report", "daily", "--json", handler=handler) == \
        (0, _full(["report", "daily", "--json"]) + "handler\n", "interpreter end")
    args = ["report", "daily", "--json", "--since", "2026-01-01"]  # the full command (click exits)
    assert ended(*args) == (0, _full(args), "interpreter end")


@pytest.mark.parametrize("args", IMPORTS)
def test_a_first_import_runs_without_click_and_prints_what_the_full_command_prints(agents, args, monkeypatch,
                                                                                   capsys, tmp_path):
    """No database yet: nothing to compare, but the import itself runs without click (commands.import_run),
    creates the database and prints what the full command prints over a fresh home of its own."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    assert not get_paths().db_path.exists()
    code, out, err = _main_both(args, capsys)
    assert code == 0 and err == ""
    assert get_paths().db_path.exists() and quick_answer(["report", "daily", "--json"]) is not None
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "full"))
    full = CliRunner().invoke(full_main, args, catch_exceptions=False)
    assert full.exit_code == 0 and _seconds_hidden(out) == _seconds_hidden(full.stdout) and full.stderr == err
    assert json.loads(out)["events_added"] > 100 if "--json" in args else "new" in out, out  # not vacuous


def test_a_first_import_runs_without_the_command_line_module(agents):
    """(neither the command line's module, its group and its command (~17 ms of a first import's CPU), nor
    sqlite-utils and click: the database is created from the stored schema, storage.new_database)"""
    report, loaded = _an_import_in_a_process()
    assert report["events_added"] > 100 and "tracker.storage.new_database" in loaded
    assert not {"tracker.cli", "tracker.commands.import_cmd", "sqlite_utils", "click"} & loaded


def test_the_quick_look_walks_without_the_plug_in_classes(imported):
    """`tracker import` with nothing new walks with each built-in's own discover (registry.builtin_finders),
    without importing the plug-in classes (dataclasses imports inspect: ~9 ms of a ~60 ms answer)."""
    code = (
        "import sys\n"
        "from tracker.quick import quick_answer\n"
        "answer = quick_answer(['import', '--json'])\n"
        "assert answer is not None\n"
        "print(sorted({'dataclasses', 'inspect', 'tracker.sources.plugin'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_with_a_third_party_plug_in_the_quick_look_walks_every_source_as_the_import(imported, monkeypatch):
    """A third-party plug-in (its discovery is in its SOURCE): the quick look loads every source, as the
    import does, and says what the full command says; once the plug-in's files are imported, nothing new."""
    from tracker.sources import registry

    monkeypatch.setattr(registry, "_third_party_entry_points",
                        lambda rescan: [registry.EntryPoint("other", "tests.plugins.other_agent:SOURCE", "o 1")])
    registry.forget()
    try:
        assert registry.builtin_finders() is None
        assert quick_answer(["import", "--json"]) is None  # the plug-in's logs are new: the import reads them
        _full(["import", "--json"])
        doc = json.loads(_same(["import", "--json"]))
        assert doc["files_read"] == 0 and doc["by_source"]["other_agent"]["files_seen"] > 0
    finally:
        registry.forget()


def _loaded_by_report(kind: str, names: set[str]) -> list[str]:
    """Which of `names` the quick `tracker report KIND --json` loads. Run without site (-S), from the
    checkout: an editable install's import hook loads pathlib itself."""
    code = (
        "import sys\n"
        "from tracker.quick import quick_answer\n"
        f"text = quick_answer(['report', {kind!r}, '--json'])\n"
        "assert text is not None and '\"rows\"' in text\n"
        f"print(sorted(set({sorted(names)!r}) & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.replace("'", '"'))


def test_the_sessions_report_loads_neither_dataclasses_nor_orjson(imported):
    """`tracker report sessions --json` reads every session of a year through the store and session_pages:
    none of their records is a dataclass (the machinery, with inspect and ast, is ~5 ms of start-up) and a
    session's few models are read by json (orjson's import, with dataclasses and uuid, is ~7 ms). Its store
    is given the files' names as text (paths.folder_texts), as the daily report finds them: no pathlib (with
    the urllib.parse and ipaddress it loads, ~3 ms), nor the app's context."""
    assert _loaded_by_report("sessions", {"dataclasses", "orjson", "inspect", "pathlib", "urllib.parse",
                                          "tracker.services.context"}) == []


def test_the_projects_report_loads_no_pathlib(imported):
    """`tracker report projects --json` reads the plans through services.cost_basis and services.plans, whose
    paths are annotations only: no pathlib (~3 ms with urllib.parse and ipaddress), nor typing (~2 ms)."""
    assert _loaded_by_report("projects", {"pathlib", "urllib.parse", "typing", "tracker.services.context"}) == []



def test_sessions_read_the_python_way_among_the_rows_as_they_are_written(imported, monkeypatch):
    """A session over two projects, and one whose name JSON escapes, are read the Python way in their place
    while the quick report reads and writes its rows a batch at a time (its connection writes only its
    temporary tables): the full command's text."""
    from tracker.storage import session_pages

    with sqlite3.connect(imported.db_path) as conn:
        sessions = [r[0] for r in conn.execute("SELECT session FROM session_totals ORDER BY first_ms")]
        assert len(sessions) > 6
        key = conn.execute("SELECT key FROM events WHERE session = ? ORDER BY ts_ms DESC LIMIT 1",
                           (sessions[3],)).fetchone()[0]
        conn.execute("UPDATE events SET project = 'another \\ project' WHERE key = ?", (key,))
        conn.execute("UPDATE events SET session = ? WHERE session = ?", (sessions[5] + '"\\', sessions[5]))
        flagged = conn.execute("SELECT count(*) FROM session_totals WHERE project_lo IS NOT project_hi "
                               "OR instr(session, '\\') > 0").fetchone()[0]
    assert flagged == 2
    monkeypatch.setattr(session_pages, "FORMATTED_BATCH_ROWS", 2)
    text = _same(["report", "sessions", "--json"])
    rows = json.loads(text)["rows"]
    assert len(rows) == len(sessions) and sessions[5] + '"\\' in {row["session"] for row in rows}
