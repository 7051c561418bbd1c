"""tracker against ccusage 20.0.24 per UTC day x model x class, on the fixture homes of every agent both read.

ccusage is not installed where the tests run, so its output is recorded once
(tests/benchmarks/compare_ccusage_agents.py --record, into tests/agents/fixtures/ccusage-20.0.24/). Here each
agent's fixture home is laid out under the test's HOME as the agent tests lay it out, imported by the same
function the script uses, and both sides' figures are made by the script's functions. Every cell where they
differ is declared below with both figures and the reason, which the agent's page (docs/agents/<page>.md, the
section named) explains: an undeclared difference, a declared one that vanished or a figure that changed fails.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import pytest

from tests.agents import support
from tests.agents.test_antigravity import EXPECTED as ANTIGRAVITY_EXPECTED
from tests.benchmarks.compare_ccusage_agents import (AGENTS, CCUSAGE_VERSION, PICO_PER_USD, RECORDED_FAILURE,
                                                     RECORDED_OUTPUT, RECORDINGS, ccusage_figures, differences,
                                                     import_figures, recording_of, shown)
from tracker.sources import registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "agents"
KINDS = [name for name, _ in registry.BUILTIN]
COMPARISON_SECTION = "Tokens and cost"  # where each agent's page has its "Compared with ccusage" paragraph
# The agents tracker reads and ccusage 20.0.24 does not (no subcommand reads their files): named, so that a new
# agent is either compared (AGENTS) or listed here with the reason
NOT_READ_BY_CCUSAGE = {
    "cline": "no `cline` command",
    "roo_code": "no `roo` command",
    "kilo_code": "its `kilo` reads the Kilo CLI's kilo.db, not the Kilo Code editor extension's task folders",
    "cursor": "no command reads Cursor's usage CSV export",
}


class Why(NamedTuple):
    """Where an agent's page explains a difference (docs/agents/<page>.md, under `section`), and in short what."""
    page: str
    says: str
    section: str = COMPARISON_SECTION

    def __str__(self) -> str:
        return f"docs/agents/{self.page}.md, {self.section}: {self.says}"


def usd(text: str) -> int:
    """A cost written in dollars, in picodollars (as the figures are)."""
    return int(Decimal(text) * PICO_PER_USD)


def declare(why: Why, day: str, model: str, **figures: tuple) -> dict:
    """{(day, model, class): (tracker's figure, ccusage's figure, why)} for the classes given."""
    return {(day, model, name): (*pair, why) for name, pair in figures.items()}


# -- the differences, agent by agent ------------------------------------------------------------------------------
AMP_ALIAS = Why("amp", "ccusage's offline prices lack the alias claude-sonnet-4-0 (missingPricing): $0")
AMP_LEDGER = Why("amp", "ccusage counts only the ledger's events in a thread with a ledger: the message after it is "
                        "missed")
CLAUDE_SPACED = Why("claude-code", "ccusage skips a transcript re-saved with spaces (`\"usage\": {`): the whole day "
                                   "is missed")
COPILOT_CACHE_WRITE = Why("copilot-cli", "ccusage subtracts only the cache reads from input: cache writes count twice")
COPILOT_OLD_NAMES = Why("copilot-cli", "ccusage reads only the dotted attribute names: a pre-1.0.64 span is all input")
COPILOT_TWICE = Why("copilot-cli", "ccusage counts a span exported twice twice")
COPILOT_STORE = Why("copilot-cli", "ccusage does not read the session store")
DROID_THINKING = Why("droid", "ccusage's output leaves the thinking out (its cost adds it)")
DROID_TIER = Why("droid", "ccusage prices a session's total as one request, above the 200k-token tier")
DROID_GPT5 = Why("droid", "ccusage adds the thinking to the output for cost although totalTokens has it inside")
DROID_NAME = Why("droid", "ccusage names the custom model glm-4-6-0 (index kept, dots made dashes)")
GEMINI_THOUGHTS = Why("gemini-cli", "ccusage's output leaves the thoughts out (its cost counts them)")
GOOSE_CACHE = Why("goose", "ccusage counts Goose's input, which holds the cached parts, as fresh input (priced so)")
GOOSE_TOTALS = Why("goose", "ccusage puts a session's running totals (cache not split) on the day it began, not the "
                            "ledger's calls on theirs")
GOOSE_THOUGHTS = Why("goose", "ccusage's output leaves Gemini's thoughts out (its cost counts them)")
GROK_SUBAGENT = Why("grok-build", "ccusage counts a sub-agent's own turn as well as its parent's turn, which holds it")
GROK_PRICE = Why("grok-build", "ccusage prices grok-4.5-build as grok-4.5; without a logged cost tracker leaves it unpriced")
HERMES_ACTUAL = Why("hermes", "ccusage's cost is the one Hermes recorded (OpenRouter's actual_cost_usd); tracker prices "
                              "the tokens")
HERMES_GPT5 = Why("hermes", "ccusage prices openai/gpt-5 at $2.50 / $2 / $0.25 a million and adds the reasoning to the "
                            "output it already holds")
HERMES_PROFILE = Why("hermes", "ccusage reads only $HERMES_HOME/state.db, not a named profile's own database")
HERMES_LOCAL = Why("hermes", "ccusage prices the local qwen3-coder:30b as a hosted Qwen3 Coder; genai-prices has no "
                             "price for it: unpriced")
KIMI_FORK = Why("kimi-cli", "ccusage counts the steps a /fork copied into the fork's log twice")
KIMI_PRICE = Why("kimi-cli", "ccusage prices kimi-for-coding by date; genai-prices has no price for it: unpriced")
OPENCLAW_LOGGED = Why("openclaw", "ccusage's cost is the logged cost.total, 0 in the fixture: no price")
OPENCLAW_ROUTER = Why("openclaw", "ccusage keeps the OpenRouter id whole (moonshotai/kimi-k2.5)")
OPENCLAW_GOOGLE = Why("openclaw", "ccusage keeps Google's cached tokens in the input: counted twice")
OPENCODE_V1 = Why("opencode", "ccusage does not read the earliest builds' per-project store (metadata.assistant)")
OPENCODE_LOGGED = Why("opencode", "ccusage shows OpenCode's own cost estimate where it is not 0; tracker prices tokens")
OPENCODE_REASONING = Why("opencode", "ccusage's output leaves out the reasoning `total` shows outside (its cost counts "
                                     "it)")
PI_FORK = Why("pi", "ccusage counts the fork's copy of the first responses again (its key has the session id)")
PI_GOOGLE = Why("pi", "ccusage keeps Google's cached tokens in the input: counted twice")
PI_LOGGED = Why("pi", "ccusage's cost is pi's logged cost.total, 0 in the fixture: no price")
QWEN_CACHE = Why("qwen-code", "ccusage counts promptTokenCount as input and its cached part again as cache read")
QWEN_FORK = Why("qwen-code", "ccusage counts a /branch fork's verbatim copy again")
QWEN_THOUGHTS = Why("qwen-code", "ccusage's output leaves gemini-2.5-pro's thoughts out (its cost counts them)")
QWEN_PRICE = Why("qwen-code", "ccusage prices Alibaba's models from LiteLLM; genai-prices has none: unpriced")
ZCODE_CACHE = Why("zcode", "ccusage cuts a row's cache down to its input where the cache exceeds it (an Anthropic-shaped "
                           "channel, whose input is already uncached); it leaves a custom channel's Claude unpriced")
ZCODE_PREFIX = Why("zcode", "ccusage keeps a gateway's vendor prefix (z-ai/glm-5.3) and leaves it unpriced")

DECLARED: dict[str, dict] = {
    "amp": {
        **declare(AMP_ALIAS, "2026-04-08", "claude-sonnet-4-0", cost=(usd("0.00075"), None)),
        **declare(AMP_LEDGER, "2026-04-09", "claude-sonnet-4-0", input=(40, 0), cache_read=(600, 0), output=(10, 0),
                  cost=(usd("0.00045"), None)),
    },
    "claude_code": declare(CLAUDE_SPACED, "2025-11-19", "claude-sonnet-4-5-20250929", input=(9, 0),
                           cache_read=(141272, 0), cache_write=(164054, 0), output=(738, 0),
                           cost=(usd("0.6686811"), None)),
    "codex": {},
    "copilot_cli": {
        **declare(COPILOT_CACHE_WRITE, "2026-06-11", "claude-sonnet-4.6", input=(500, 3000),
                  cost=(usd("0.019575"), usd("0.027075"))),
        **declare(COPILOT_TWICE, "2026-06-11", "gpt-5.4", input=(2000, 4000), cache_read=(6000, 12000),
                  output=(900, 1800), cost=(usd("0.02"), usd("0.04"))),
        **declare(COPILOT_OLD_NAMES, "2026-06-13", "claude-opus-4.6", input=(500, 30000), cache_read=(28000, 0),
                  cache_write=(1500, 0), cost=(usd("0.055875"), usd("0.18"))),
        **declare(COPILOT_STORE, "2026-06-14", "claude-haiku-4.5", input=(1300, 0), cache_read=(3000, 0),
                  cache_write=(1200, 0), output=(350, 0), cost=(usd("0.00485"), None)),
        **declare(COPILOT_STORE, "2026-06-14", "gpt-5.4-mini", input=(2000, 0), output=(300, 0),
                  cost=(usd("0.00285"), None)),
    },
    "droid": {
        **declare(DROID_THINKING, "2026-02-10", "claude-sonnet-4-5-20250929", output=(11330, 9120)),
        **declare(DROID_TIER, "2026-02-10", "claude-sonnet-4-5-20250929", cost=(usd("0.9204"), usd("1.23672"))),
        **declare(DROID_NAME, "2026-02-11", "glm-4-6-0", input=(0, 8800), cache_read=(0, 40000), output=(0, 1500)),
        **declare(DROID_NAME, "2026-02-11", "glm-4.6", input=(8800, 0), cache_read=(40000, 0), output=(1500, 0)),
        **declare(DROID_GPT5, "2026-02-11", "gpt-5-2025-08-07", cost=(usd("0.138625"), usd("0.189625"))),
    },
    "gemini_cli": declare(GEMINI_THOUGHTS, "2026-06-05", "gemini-2.5-flash", output=(36, 8)),
    "goose": {
        **declare(GOOSE_CACHE, "2026-06-15", "claude-sonnet-4-5", input=(20000, 120000), cache_read=(90000, 0),
                  cache_write=(10000, 0), cost=(usd("0.2445"), usd("0.48"))),
        **declare(GOOSE_TOTALS, "2026-07-02", "claude-sonnet-4-5", input=(5000, 112000), cache_read=(40000, 0),
                  cache_write=(5000, 0), output=(3000, 5400), cost=(usd("0.09075"), usd("0.417"))),
        **declare(GOOSE_TOTALS, "2026-07-06", "claude-sonnet-4-5", input=(3500, 0), cache_read=(56000, 0),
                  cache_write=(2500, 0), output=(2400, 0), cost=(usd("0.072675"), None)),
        **declare(GOOSE_THOUGHTS, "2026-07-06", "gemini-2.5-pro", output=(1000, 600)),
    },
    "grok_build": {
        **declare(GROK_SUBAGENT, "2026-07-22", "grok-code-fast-1", input=(11040, 22080), cache_read=(40960, 81920),
                  output=(2100, 4200), cost=(usd("0.006"), usd("0.012"))),
        **declare(GROK_PRICE, "2026-07-23", "grok-4.5-build", cost=(None, usd("0.0908832"))),
    },
    "hermes": {
        **declare(HERMES_ACTUAL, "2026-06-11", "anthropic/claude-sonnet-4.5", cost=(usd("0.0315"), usd("0.0318"))),
        **declare(HERMES_GPT5, "2026-06-11", "gpt-5", cost=(usd("0.10875"), usd("0.1145"))),
        **declare(HERMES_PROFILE, "2026-06-12", "claude-sonnet-4-5", input=(2000, 0), cache_read=(10000, 0),
                  output=(400, 0), cost=(usd("0.015"), None)),
        **declare(HERMES_LOCAL, "2026-06-12", "qwen3-coder:30b", cost=(None, usd("0.001765"))),
    },
    "kimi_cli": {
        **declare(KIMI_FORK, "2026-03-30", "kimi-for-coding", input=(8870, 14790), cache_read=(8960, 16896),
                  output=(1040, 1440)),
        **declare(KIMI_PRICE, "2026-03-30", "kimi-for-coding", cost=(None, usd("0.0148836"))),
        **declare(KIMI_PRICE, "2026-03-31", "kimi-for-coding", cost=(None, usd("0.007868"))),
    },
    "openclaw": {
        **declare(OPENCLAW_LOGGED, "2026-06-01", "claude-opus-4-5", cost=(usd("0.06705"), None)),
        **declare(OPENCLAW_ROUTER, "2026-06-01", "kimi-k2.5", input=(2000, 0), output=(300, 0),
                  cost=(usd("0.0021"), None)),
        **declare(OPENCLAW_ROUTER, "2026-06-01", "moonshotai/kimi-k2.5", input=(0, 2000), output=(0, 300)),
        **declare(OPENCLAW_GOOGLE, "2026-06-02", "gemini-2.5-flash", input=(1000, 5000)),
        **declare(OPENCLAW_LOGGED, "2026-06-02", "gemini-2.5-flash", cost=(usd("0.00067"), None)),
    },
    "opencode": {
        **declare(OPENCODE_V1, "2025-06-15", "claude-sonnet-4-20250514", input=(12, 0), cache_read=(5000, 0),
                  cache_write=(1200, 0), output=(340, 0), cost=(usd("0.011136"), None)),
        **declare(OPENCODE_LOGGED, "2025-09-04", "o3", cost=(usd("0.008"), usd("0.01"))),
        **declare(OPENCODE_REASONING, "2026-02-11", "gemini-2.5-pro", output=(900, 200)),
        **declare(OPENCODE_LOGGED, "2026-02-11", "gpt-5.2", cost=(usd("0.02713725"), usd("0.03233125"))),
    },
    "pi": {
        **declare(PI_FORK, "2026-05-04", "claude-sonnet-4-5", input=(15, 30), cache_read=(4800, 9600),
                  cache_write=(5150, 10300), output=(305, 610)),
        **declare(PI_LOGGED, "2026-05-04", "claude-sonnet-4-5", cost=(usd("0.0253725"), None)),
        **declare(PI_GOOGLE, "2026-05-04", "gemini-2.5-pro", input=(3000, 9000)),
        **declare(PI_LOGGED, "2026-05-04", "gemini-2.5-pro", cost=(usd("0.0085"), None)),
        **declare(PI_LOGGED, "2026-05-05", "claude-sonnet-4-5", cost=(usd("0.002469"), None)),
        **declare(PI_LOGGED, "2026-05-05", "gpt-5", cost=(usd("0.010131"), None)),
    },
    "qwen_code": {
        **declare(QWEN_FORK, "2026-04-23", "qwen3.5-plus", input=(16928, 33856), output=(40, 80)),
        **declare(QWEN_PRICE, "2026-04-23", "qwen3.5-plus", cost=(None, usd("0.0138352"))),
        **declare(QWEN_CACHE, "2026-04-23", "qwen3.6-plus", input=(25335, 42359)),
        **declare(QWEN_PRICE, "2026-04-23", "qwen3.6-plus", cost=(None, usd("0.0247517"))),
        **declare(QWEN_CACHE, "2026-04-24", "gemini-2.5-pro", input=(4000, 12000), cost=(usd("0.016"), usd("0.026"))),
        **declare(QWEN_THOUGHTS, "2026-04-24", "gemini-2.5-pro", output=(1000, 300)),
        **declare(QWEN_PRICE, "2026-04-24", "qwen3-coder-plus", cost=(None, usd("0.0061"))),
        **declare(QWEN_CACHE, "2026-04-25", "qwen3.5-plus", input=(300, 17100)),
        **declare(QWEN_PRICE, "2026-04-25", "qwen3.5-plus", cost=(None, usd("0.007728"))),
    },
    "zcode": {
        **declare(ZCODE_CACHE, "2026-08-02", "claude-sonnet-4-5", input=(50, 0), cache_read=(20000, 50),
                  cache_write=(3000, 0), cost=(usd("0.0234"), None)),
        **declare(ZCODE_PREFIX, "2026-08-02", "glm-5.3", input=(5000, 0), output=(200, 0), cost=(usd("0.00788"), None)),
        **declare(ZCODE_PREFIX, "2026-08-02", "z-ai/glm-5.3", input=(0, 5000), output=(0, 200)),
    },
}
COMPARED = sorted(DECLARED)


def tracker_side(kind: str, store, pricer) -> dict:
    """tracker's figures on the kind's fixture home, laid out under the test's HOME (the root conftest's)."""
    home = Path(os.environ["HOME"])
    assert support.lay_out(home, [kind]) == [], f"{kind} is read from a home, not from files passed to import"
    return import_figures(store, pricer, kind)


def mismatches(found: dict, declared: dict) -> list[str]:
    """Readable lines for every cell where the found differences and the declared ones disagree."""
    lines = []
    for cell in sorted(set(found) | set(declared)):
        name, got, want = cell[2], found.get(cell), declared.get(cell)
        was = f"tracker {shown(name, want[0])}, ccusage {shown(name, want[1])}" if want else ""
        now = f"tracker {shown(name, got[0])}, ccusage {shown(name, got[1])}" if got else ""
        if want is None:
            lines.append(f"{cell}: {now}: a difference not declared (say why in docs/agents/ and declare it here)")
        elif got is None:
            lines.append(f"{cell}: declared ({was}; {want[2]}) but now equal: remove it here and from the page")
        elif got != want[:2]:
            lines.append(f"{cell}: declared {was} ({want[2]}), now {now}")
    return lines


def test_every_agent_is_compared_or_named_as_not_read_by_ccusage():
    assert set(AGENTS) | set(NOT_READ_BY_CCUSAGE) == set(KINDS), (
        f"not compared with ccusage and not named: {sorted(set(KINDS) - set(AGENTS) - set(NOT_READ_BY_CCUSAGE))}; "
        f"no such agent: {sorted((set(AGENTS) | set(NOT_READ_BY_CCUSAGE)) - set(KINDS))}")
    assert not set(AGENTS) & set(NOT_READ_BY_CCUSAGE)


def test_every_compared_agent_has_a_recording_and_a_declaration():
    missing = [kind for kind in AGENTS if recording_of(kind) is None]
    assert not missing, (f"no ccusage {CCUSAGE_VERSION} recording for {missing}: run "
                         "tests/benchmarks/compare_ccusage_agents.py --record (with ccusage installed)")
    assert sorted(kind for kind in AGENTS if recording_of(kind).suffix == RECORDED_OUTPUT) == COMPARED
    assert sorted(p.name for p in RECORDINGS.iterdir()) == sorted(
        ["README.md"] + [recording_of(kind).name for kind in AGENTS]), "a recording of an agent not compared"


@pytest.mark.parametrize("kind", COMPARED)
def test_differences_with_ccusage_are_the_declared_ones(kind, store, pricer):
    theirs = ccusage_figures(recording_of(kind).read_text(encoding="utf-8"))
    ours = tracker_side(kind, store, pricer)
    assert ours, f"{kind}: tracker counted nothing in its fixture home"
    problems = mismatches(differences(ours, theirs), DECLARED[kind])
    assert not problems, f"{kind} against ccusage {CCUSAGE_VERSION}:\n  " + "\n  ".join(problems)


def section_of(page: str, section: str) -> str:
    """The text under `## section` of docs/agents/<page>.md (empty if there is no such section)."""
    text = (DOCS / f"{page}.md").read_text(encoding="utf-8")
    return text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0] if f"\n## {section}\n" in text else ""


@pytest.mark.parametrize("kind", AGENTS)
def test_the_agents_page_compares_with_the_recording_and_says_each_declared_reason(kind):
    page = kind.replace("_", "-")
    recording = recording_of(kind)
    section = section_of(page, COMPARISON_SECTION)
    assert f"**Compared with ccusage {CCUSAGE_VERSION}**" in section, (
        f"docs/agents/{page}.md, {COMPARISON_SECTION}: no 'Compared with ccusage {CCUSAGE_VERSION}' paragraph")
    assert f"tests/agents/fixtures/{RECORDINGS.name}/{recording.name}" in section, (
        f"docs/agents/{page}.md, {COMPARISON_SECTION}: the recording {recording.name} is not cited")
    for why in {declared[2] for declared in DECLARED.get(kind, {}).values()}:
        assert why.page == page, f"{kind}'s difference explained on another agent's page: {why}"
        assert "Compared with ccusage" in section_of(why.page, why.section), f"{why}: that section compares nothing"


def test_ccusage_fails_on_antigravitys_home_which_tracker_reads(store, pricer):
    """ccusage 20.0.24 stops at the first row without a chat model (an injected response); tracker reads the same
    home with the counts tests/agents/test_antigravity.py expects (docs/agents/antigravity.md, Tokens and cost)."""
    recording = recording_of("antigravity")
    assert recording.name == f"antigravity{RECORDED_FAILURE}"
    code, said = recording.read_text(encoding="utf-8").split("\n", 1)
    assert code == "exit code 1"
    assert "Failed to parse Antigravity metadata row 2" in said and "missing chat model field 1" in said
    figures = tracker_side("antigravity", store, pricer)
    assert support.by_day_and_model(SimpleNamespace(store=store), "antigravity") == ANTIGRAVITY_EXPECTED
    assert set(figures) == set(ANTIGRAVITY_EXPECTED)
