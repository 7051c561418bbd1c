"""Where the Cline family (Cline, Roo Code, Kilo Code) keeps its task histories, for their three plug-ins.

The three are VS Code extensions (Roo Code forked Cline, Kilo Code forked Roo
Code) and keep one folder per task under the editor's global storage for the
extension: `<user data>/User/globalStorage/<extension id>/tasks/<task id>/`,
with `ui_messages.json` (the chat as the panel shows it; every API request is
an `api_req_started` message carrying its token counts and cost) beside
`api_conversation_history.json` and `task_metadata.json`. The extension
rewrites these JSON documents whole while the task runs, so they are read
whole when they change (readers: tracker.sources.cline_tasks).

The same extension runs in several editors (VS Code, its Insiders build,
Cursor, Windsurf, VSCodium), each with its own user-data folder, on the
desktop and on a remote host (`~/.vscode-server/data`, ...); every one that
exists is read. `VSCODE_PORTABLE` moves a portable VS Code's data. The
extension id is lower-cased by VS Code in the folder name.

Standard library only (imported on every `tracker import`). docs/agents/cline.md
"""

from __future__ import annotations

import os
import sys

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the plug-in classes load with the first source built; the folders
if TYPE_CHECKING:  # are found as text, discovery.join)
    from pathlib import Path

    from tracker.sources.plugin import AgentSource, Place

UI_MESSAGES = "ui_messages.json"
TASK_METADATA = "task_metadata.json"  # Cline: the model used from each time on
API_HISTORY = "api_conversation_history.json"  # Roo Code, Kilo Code: the model, in each request's environment details
WHOLE_FILES = (UI_MESSAGES,)
PORTABLE_ENV = "VSCODE_PORTABLE"
# The editors that run VS Code extensions, by the folder name of their user data.
EDITORS = ("Code", "Code - Insiders", "Cursor", "Windsurf", "VSCodium", "Code - OSS")
# A remote host's editor server keeps the extension's storage in `<home>/<folder>/data`.
REMOTE_SERVERS = (".vscode-server", ".vscode-server-insiders", ".cursor-server", ".windsurf-server",
                  ".vscodium-server")
# OpenRouter-style ids ("anthropic/claude-sonnet-4.5", what the Cline, OpenRouter and Kilo Code
# providers log): the vendor prefix names the genai-prices provider.
VENDOR_PREFIXES = {
    "anthropic/": "anthropic", "openai/": "openai", "google/": "google", "x-ai/": "x-ai",
    "deepseek/": "deepseek", "mistralai/": "mistral", "moonshotai/": "moonshotai", "z-ai/": "zai",
    "minimax/": "minimax",
}


def config_home(platform: str = sys.platform) -> str:
    """Where the editors keep their user data on this system (Electron's appData), as text (discovery.join)."""
    home = discovery.home_text()
    if platform == "darwin":
        return discovery.join(home, "Library", "Application Support")
    if platform.startswith("win"):
        appdata = os.environ.get("APPDATA")
        return discovery.join(appdata) if appdata else discovery.join(home, "AppData", "Roaming")
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return discovery.join(os.path.expanduser(xdg)) if xdg else discovery.join(home, ".config")


def user_data_dirs(platform: str = sys.platform) -> list[str]:
    """Every editor user-data folder the extension may live in (existing or not), as texts."""
    base = config_home(platform)
    home = discovery.home_text()
    dirs = [discovery.join(base, editor) for editor in EDITORS] \
        + [discovery.join(home, server, "data") for server in REMOTE_SERVERS]
    portable = os.environ.get(PORTABLE_ENV)
    if portable:
        dirs.insert(0, discovery.join(portable, "user-data"))
    return dirs


def storage_tasks(extension_id: str, platform: str = sys.platform) -> list[str]:
    """`tasks/` of the extension in every editor's global storage (existing or not), as texts."""
    return [discovery.join(data, "User", "globalStorage", extension_id, "tasks") for data in user_data_dirs(platform)]


def tasks_folder(folder: str | Path) -> str:
    """An explicit folder: a `tasks/` folder itself, else the `tasks/` inside it (as text)."""
    folder = discovery.join(folder)
    return folder if os.path.basename(folder) == "tasks" else discovery.join(folder, "tasks")


def discover_tasks(roots: list[Path], model_file: str,
                   unreadable: list[tuple[str, str]] | None) -> list[discovery.FileStat]:
    """`<root>/<task>/ui_messages.json` of every task, its stat joined with the file naming its model.

    The model file is written at other moments than the messages (the model a
    request used may land after the request's own line): folding its size and
    time into the stat the import compares makes a change to either re-read the task.
    Both come from the one folder walk (no extra stat).
    """
    files = []
    for root in roots:
        depth = len(discovery.path_parts(os.fspath(root))) + 2
        companion: dict[str, discovery.FileStat] = {}
        for stat in discovery.walk_files(root, (UI_MESSAGES, model_file), unreadable):
            folder, name = os.path.split(stat.path)
            if len(discovery.path_parts(stat.path)) != depth:  # only tasks/<task>/<file>
                continue
            if name == model_file:
                companion[folder] = stat  # sorted names: it comes before ui_messages.json
                continue
            if name != UI_MESSAGES:
                continue
            extra = companion.pop(folder, None)
            if extra is not None:
                stat = stat._replace(size=stat.size + extra.size, mtime_ns=max(stat.mtime_ns, extra.mtime_ns))
            files.append(stat)
    return files


def claim_for(extension_id: str, own_folders: tuple[str, ...] = ()):
    """claim(folder) for a copy of the extension's storage: `<extension id>/`, a `globalStorage/` holding it,
    its `tasks/` (only under a folder named for the extension: the three write the same layout), or one of
    `own_folders` (Cline's `~/.cline/data`) holding `tasks/`."""
    def claim(folder: Path) -> Path | None:
        if folder.name == "tasks" and folder.parent.name.lower() in (extension_id,) + own_folders:
            return folder
        if folder.name.lower() in (extension_id,) + own_folders and (folder / "tasks").is_dir():
            return folder / "tasks"
        inside = folder / extension_id / "tasks"
        return inside if inside.is_dir() else None
    return claim


def places(extension_id: str, platform: str = sys.platform) -> tuple[Place, ...]:
    """Where the extension writes on this system, as a user reads it, and what moves it."""
    from tracker.sources.plugin import Place

    if platform == "darwin":
        shown, env = "~/Library/Application Support/Code", ""
    elif platform.startswith("win"):
        shown, env = "%APPDATA%\\Code", "APPDATA"
    else:
        shown, env = "~/.config/Code", "XDG_CONFIG_HOME"
    return (Place(f"{shown}/User/globalStorage/{extension_id}/tasks", env),
            Place(f"{shown.replace('Code', 'Cursor')}/User/globalStorage/{extension_id}/tasks", env),
            Place(f"<portable>/user-data/User/globalStorage/{extension_id}/tasks", PORTABLE_ENV))


def finders(extension_id: str, model_file: str, extra_roots=None):
    """(roots, root_texts, discover) of one member of the family; `extra_roots()` adds folders outside the editors.
    Module-level functions of the member's plug-in module: the quick look walks with them alone
    (discovery.declared_on_first_use)."""

    def root_texts(configured: list[Path] | None = None) -> list[str]:
        if configured:
            return discovery.unique_dirs(tasks_folder(p) for p in configured)
        found = storage_tasks(extension_id)
        if extra_roots is not None:
            found += extra_roots()
        return discovery.unique_dirs(found)

    def roots(configured: list[Path] | None = None) -> list[Path]:
        return discovery.as_paths(root_texts(configured))

    def discover(configured: list[Path] | None = None,
                 unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
        return discover_tasks(root_texts(configured), model_file, unreadable)

    return roots, root_texts, discover


def make_source(kind: str, name: str, extension_id: str, reader: str, roots, discover,
                extra_places: tuple[Place, ...] = (), own_folders: tuple[str, ...] = ()) -> AgentSource:
    """The AgentSource of one member of the family, with its finders (roots, discover)."""
    from tracker.sources.plugin import LAST, AgentSource, PricingHints

    return AgentSource(
        kind=kind,
        name=name,
        places=places(extension_id) + extra_places,
        roots=roots,
        discover=discover,
        parse=reader,
        whole_files=WHOLE_FILES,
        keep=LAST,
        claim=claim_for(extension_id, own_folders),
        folder_hint=f"{extension_id}/tasks/",
        dedup_key="task id + the API request message's timestamp (ts); a request rewritten as it streams "
                  "replaces its row",
        pricing=PricingHints(prefixes=VENDOR_PREFIXES),
    )
