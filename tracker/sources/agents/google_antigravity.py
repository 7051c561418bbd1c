"""Google Antigravity (the `agy` CLI and the desktop app): where its conversations are (reader: tracker.sources.google_antigravity).

Where: one SQLite database per conversation, `conversations/<uuid>.db`, in the
app-data folders of the Gemini home: `~/.gemini/antigravity-cli` (the CLI),
`~/.gemini/antigravity-ide` and `~/.gemini/antigravity` (the desktop app's
current and earlier folder); the same language server writes all three, in
the same tables. `$ANTIGRAVITY_DATA_DIR` (comma-separated app-data folders,
the variable ccusage reads) replaces them. A database is rewritten in place
(WAL mode): read whole when it or its `-wal` changed. docs/agents/antigravity.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "antigravity"
ENV = "ANTIGRAVITY_DATA_DIR"
APP_FOLDERS = ("antigravity-cli", "antigravity-ide", "antigravity")  # under ~/.gemini
CONVERSATIONS = "conversations"
DB_SUFFIX = ".db"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """App-data folders (explicit ones, like ANTIGRAVITY_DATA_DIR entries, else the variable, else the defaults)."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        return discovery.unique_dirs(configured)
    gemini = discovery.join(discovery.home_text(), ".gemini")
    return discovery.unique_dirs(discovery.join(gemini, name) for name in APP_FOLDERS)


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        folder = discovery.join(root, CONVERSATIONS)
        try:
            with os.scandir(folder) as entries:
                names = sorted(e.name for e in entries if e.name.endswith(DB_SUFFIX) and e.is_file())
        except FileNotFoundError:
            continue
        except OSError as exc:
            if unreadable is not None:
                unreadable.append((folder, exc.strerror or str(exc)))
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                files.append(discovery.with_companions(discovery.FileStat.from_stat(path, os.stat(path))))
            except OSError:
                continue
    return files


def claim(folder: Path) -> Path | None:
    """A copy of an app-data folder (it holds `conversations/*.db`), or that `conversations/` folder."""
    if folder.name == CONVERSATIONS:
        return folder.parent
    try:
        holds = any(p.name.endswith(DB_SUFFIX) for p in (folder / CONVERSATIONS).iterdir())
    except OSError:
        return None
    return folder if holds else None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Antigravity",
        places=(Place("~/.gemini/antigravity-cli/conversations", ENV),
                Place("~/.gemini/antigravity-ide/conversations", ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.google_antigravity:parse",
        whole_files=(DB_SUFFIX,),
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="conversations/*.db",
        dedup_key="the generation's response id (a copied conversation counts once); without one, the "
                  "conversation id and the row's index",
        # Antigravity's own short model ids (the response_model field); the rest are Google's and Anthropic's ids
        pricing=PricingHints(aliases={
            "gemini-3-flash": "gemini-3-flash-preview", "gemini-3-flash-a": "gemini-3-flash-preview",
            "gemini-3-flash-b": "gemini-3-flash-preview", "gemini-3-flash-c": "gemini-3-flash-preview",
            "gemini-3-pro": "gemini-3-pro-preview", "gemini-3-pro-high": "gemini-3-pro-preview",
            "gemini-3-pro-low": "gemini-3-pro-preview",
            "gemini-3.1-pro": "gemini-3.1-pro-preview", "gemini-3.1-pro-high": "gemini-3.1-pro-preview",
            "gemini-3.1-pro-low": "gemini-3.1-pro-preview", "gemini-pro-default": "gemini-3.1-pro-preview",
            "gemini-pro-agent": "gemini-3.1-pro-preview",
            "gemini-3.5-flash-low": "gemini-3.5-flash", "gemini-3.5-flash-medium": "gemini-3.5-flash",
            "gemini-3.5-flash-high": "gemini-3.5-flash", "gemini-3.5-flash-extra-low": "gemini-3.5-flash",
            "gpt-oss-120b-medium": "gpt-oss-120b",
            "claude-sonnet-4-5-thinking": "claude-sonnet-4-5", "claude-opus-4-5-thinking": "claude-opus-4-5",
            "claude-sonnet-4-6-thinking": "claude-sonnet-4-6", "claude-opus-4-6-thinking": "claude-opus-4-6",
        }),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
