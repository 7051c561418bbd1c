"""pi (badlogic/pi-mono's coding agent): where its sessions are (reader: tracker.sources.pi_sessions).

Where: `<agent dir>/sessions/--<cwd with / as ->--/<time>_<session id>.jsonl`,
the agent dir being `$PI_CODING_AGENT_DIR` (pi's own variable) or
`~/.pi/agent`; `$PI_AGENT_DIR` (comma-separated sessions folders, the
variable ccusage reads) replaces it. Appended (a JSONL tree), read from a
byte cursor; a migrated v1 session is rewritten whole and read again from the
start. docs/agents/pi.md
"""

from __future__ import annotations

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "pi"
ENV = "PI_AGENT_DIR"  # ccusage's: sessions folders
AGENT_DIR_ENV = "PI_CODING_AGENT_DIR"  # pi's own: the agent folder (sessions/ inside)
SUFFIX = ".jsonl"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Sessions folders: explicit ones (like PI_AGENT_DIR entries), else the variables, else ~/.pi/agent/sessions."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        return discovery.unique_dirs(configured)
    agent = discovery.env_texts(AGENT_DIR_ENV)
    agent_dir = agent[0] if agent else discovery.join(discovery.home_text(), ".pi", "agent")
    return discovery.unique_dirs([discovery.join(agent_dir, "sessions")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    return [stat for root in root_texts(configured) for stat in discovery.walk_files(root, (SUFFIX,), unreadable)]


def claim(folder: Path) -> Path | None:
    """A copy of pi's agent folder (its `sessions/` of `--<cwd>--` folders), or that `sessions/` itself."""
    for candidate in (folder / "sessions", folder):
        try:
            if candidate.name == "sessions" and any(p.is_dir() and p.name.startswith("--") and p.name.endswith("--")
                                                    for p in candidate.iterdir()):
                return candidate
        except OSError:
            continue
    return None


def _declare() -> dict:
    """SOURCE and PRICING (OpenClaw's too), built the first time one is asked for
    (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    # model ids as routers spell them (provider openrouter, vercel-ai-gateway, ...): at the maker's list price
    pricing = PricingHints(prefixes={"anthropic/": "anthropic", "openai/": "openai", "google/": "google",
                                     "moonshotai/": "moonshotai", "x-ai/": "x-ai", "deepseek/": "deepseek",
                                     "mistralai/": "mistral", "z-ai/": None, "qwen/": None, "minimax/": None})
    source = AgentSource(
        kind=KIND,
        name="pi",
        places=(Place("~/.pi/agent/sessions", AGENT_DIR_ENV), Place("~/.pi/agent/sessions", ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.pi_sessions:parse_pi",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="sessions/--<folder>--/*.jsonl",
        dedup_key="the response's own fields (its time, provider, model and four token counts): a fork, an "
                  "extracted branch and a migrated session copy it and count once",
        pricing=pricing,
    )
    return {"SOURCE": source, "PRICING": pricing}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE", "PRICING"), _declare)
