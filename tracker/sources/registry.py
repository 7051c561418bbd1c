"""Which agent-log sources exist: the built-ins and every installed plug-in.

Every source registers under the entry-point group `tracker.sources` with a
value "module:attribute" naming an AgentSource (tracker.sources.plugin); a
value naming a module means its `SOURCE`. The built-ins are declared in
tracker's own pyproject.toml exactly like a third party's, and listed again in
BUILTIN (a test keeps the two equal): finding entry points means importing
importlib.metadata (~25 ms) and reading every installed package's metadata
(3-10 ms), which `tracker import` with nothing new cannot afford on each run,
and a pyinstaller bundle carries no metadata at all.

Third-party entry points are found with importlib.metadata once and kept in a
small cache file (cache/source-plugins.json) with the Python path's folders
and their modification times: installing or removing a package adds or
removes a `*.dist-info` folder in site-packages, which changes that folder's
time, and the next run scans again (_still_valid). Within one process the
list is kept per Python path: a plug-in installed while the app runs is used
after a restart. `tracker sources agents` always scans again.

A plug-in that cannot be loaded (it fails to import, names no AgentSource,
takes a kind already taken) is skipped with a problem that says why: the
import goes on with the others and reports it; `tracker sources agents` shows it.
"""

from __future__ import annotations

import os
import sys
import time
from collections import namedtuple
from types import ModuleType

from tracker.sources import PROVIDER_SOURCE_KINDS

TYPE_CHECKING = False  # (for the annotations only: the plug-in classes load with the first source built)
if TYPE_CHECKING:
    from tracker.sources.plugin import AgentSource

# tracker.sources.plugin (the AgentSource class) is imported where a plug-in is loaded: the quick look
# (builtin_finders) walks without it. Named tuples here, not dataclasses: dataclasses imports inspect
# (~9 ms at start-up, a sixth of `tracker import` with nothing new).

GROUP = "tracker.sources"
BUILTIN_DISTRIBUTION = "tracker"
# (entry-point name, value): the same as [project.entry-points."tracker.sources"] in pyproject.toml
BUILTIN = (
    ("amp", "tracker.sources.agents.amp:SOURCE"),
    ("antigravity", "tracker.sources.agents.google_antigravity:SOURCE"),
    ("claude_code", "tracker.sources.agents.claude_code:SOURCE"),
    ("cline", "tracker.sources.agents.cline:SOURCE"),
    ("codex", "tracker.sources.agents.codex:SOURCE"),
    ("copilot_cli", "tracker.sources.agents.copilot_cli:SOURCE"),
    ("cursor", "tracker.sources.agents.cursor:SOURCE"),
    ("droid", "tracker.sources.agents.droid:SOURCE"),
    ("gemini_cli", "tracker.sources.agents.gemini_cli:SOURCE"),
    ("goose", "tracker.sources.agents.goose:SOURCE"),
    ("grok_build", "tracker.sources.agents.grok_build:SOURCE"),
    ("hermes", "tracker.sources.agents.hermes:SOURCE"),
    ("kilo_code", "tracker.sources.agents.kilo_code:SOURCE"),
    ("kimi_cli", "tracker.sources.agents.kimi_cli:SOURCE"),
    ("openclaw", "tracker.sources.agents.openclaw:SOURCE"),
    ("opencode", "tracker.sources.agents.opencode:SOURCE"),
    ("pi", "tracker.sources.agents.pi:SOURCE"),
    ("qwen_code", "tracker.sources.agents.qwen_code:SOURCE"),
    ("roo_code", "tracker.sources.agents.roo_code:SOURCE"),
    ("zcode", "tracker.sources.agents.zcode:SOURCE"),
)
CACHE_NAME = "source-plugins.json"
CACHE_FORMAT = 2
# A package folder changed this recently may be in the middle of an install: its scan is not kept.
SETTLE_S = 2.0
_METADATA_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint(namedtuple("EntryPoint", "name value distribution")):
    """An entry point of the group: name, value ("module:attribute"), distribution ("name version" of the
    package that declares it)."""

    __slots__ = ()

    @property
    def builtin(self) -> bool:
        return self.distribution == BUILTIN_DISTRIBUTION


class Problem(namedtuple("Problem", "entry_point reason")):
    """A plug-in that was skipped (entry_point), and why (reason)."""

    __slots__ = ()

    @property
    def message(self) -> str:
        ep = self.entry_point
        return f"agent-log plug-in '{ep.name}' ({ep.value}, from {ep.distribution}) was skipped: {self.reason}"


class Registry(namedtuple("Registry", "sources origins problems", defaults=((),))):
    """sources: kind -> AgentSource, the built-ins first, then plug-ins by name; origins: kind -> the
    EntryPoint it was registered by; problems: the Problems of the plug-ins skipped."""

    __slots__ = ()


_loaded: dict[tuple[str, ...], Registry] = {}  # per Python path (a test may add a plug-in to it)


def load(rescan: bool = False, log_problems: bool = True) -> Registry:
    """Every agent-log source that can be used here (cached for this process and Python path).

    The plug-ins that could not be loaded are logged when it is built (unless `log_problems` is false:
    the command line's quick answer, which leaves them to the full command, see forget()).
    """
    path_key = tuple(sys.path)
    found = None if rescan else _loaded.get(path_key)
    if found is None:
        found = _loaded[path_key] = _build(_third_party_entry_points(rescan))
        if found.problems and log_problems:
            log = _log()
            for problem in found.problems:
                log.warning("%s", problem.message)
    return found


def _log():
    import logging  # ~7 ms at start-up: only when there is something to log

    return logging.getLogger(__name__)


def forget() -> None:
    """Forget what load() built in this process: the next load() builds it again (and logs its problems)."""
    _loaded.clear()


def sources() -> dict[str, AgentSource]:
    return load().sources


def builtin_finders() -> list[tuple[str, object]] | None:
    """(kind, discover) of every built-in source, in load()'s order, from the plug-in modules' `KIND` and
    module-level `discover` (SOURCE.kind, SOURCE.discover: a test keeps them equal), without building
    the sources (discovery.declared_on_first_use); None when a third-party plug-in is installed: load()
    then tells what it is and whether it loads.

    What the command line's quick look walks with. A built-in module that does not import raises (load()
    would report it skipped: the quick look leaves that to the full command).
    """
    loaded = _loaded.get(tuple(sys.path))
    if loaded is not None:  # built in this process already: what it holds
        if loaded.problems or any(not ep.builtin for ep in loaded.origins.values()):
            return None
        return [(kind, source.discover) for kind, source in loaded.sources.items()]
    if _third_party_entry_points(False):
        return None
    finders = []
    for _, value in BUILTIN:
        # (the built-ins' absolute names: __import__ imports them as importlib.import_module would, without
        # loading the importlib package and the warnings module it imports: ~0.3 ms of the quick look)
        name = value.partition(":")[0]
        __import__(name)
        module = sys.modules[name]
        finders.append((module.KIND, module.discover))
    return finders


def get(kind: str) -> AgentSource:
    try:
        return load().sources[kind]
    except KeyError:
        raise KeyError(f"no agent-log source '{kind}' is installed") from None


def _build(third_party: list[EntryPoint]) -> Registry:
    sources: dict[str, AgentSource] = {}
    origins: dict[str, EntryPoint] = {}
    problems: list[Problem] = []
    builtins = [EntryPoint(name, value, BUILTIN_DISTRIBUTION) for name, value in BUILTIN]
    for ep in builtins + third_party:
        try:
            source = _load_source(ep.value)
        except Exception as exc:  # a broken plug-in must not stop the others (nor the import)
            problems.append(Problem(ep, f"{type(exc).__name__}: {exc}"))
            continue
        if source.kind in origins:
            taken = origins[source.kind]
            problems.append(Problem(ep, f"kind '{source.kind}' is already taken by {taken.value} ({taken.distribution})"))
            continue
        if source.kind in PROVIDER_SOURCE_KINDS:
            problems.append(Problem(ep, f"kind '{source.kind}' is a provider account's: choose another"))
            continue
        sources[source.kind] = source
        origins[source.kind] = ep
    return Registry(sources, origins, tuple(problems))


def _load_source(value: str) -> AgentSource:
    import importlib

    from tracker.sources.plugin import AgentSource

    module_name, _, attr = value.partition(":")
    attr = attr.split("[", 1)[0].strip()  # "module:attr [extra]": extras mean nothing here
    obj = importlib.import_module(module_name.strip())
    for part in attr.split(".") if attr else ["SOURCE"]:
        obj = getattr(obj, part)
    if isinstance(obj, ModuleType):
        obj = getattr(obj, "SOURCE", obj)
    if not isinstance(obj, AgentSource):
        raise TypeError(f"{value} is a {type(obj).__name__}, not a tracker.sources.plugin.AgentSource")
    return obj


# -- third-party entry points, and their cache ---------------------------------
def _third_party_entry_points(rescan: bool) -> list[EntryPoint]:
    cache = _cache_path()
    if not rescan and cache is not None:
        cached = _read_cache(cache)
        if cached is not None:
            return cached
    found, folders = _scan()
    if cache is not None:
        _write_cache(cache, found, folders)
    return found


def _scan() -> tuple[list[EntryPoint], dict[str, list]]:
    """Third-party entry points of the group, and {Python-path folder: [mtime, holds package metadata]}."""
    folders = {folder: [_mtime(folder), _holds_metadata(folder)] for folder in _path_folders()}
    if _only_builtins_declared():
        return [], folders
    from importlib import metadata  # ~25 ms: only when the cache cannot answer

    builtin_values = {value for _, value in BUILTIN}
    found: list[EntryPoint] = []
    for ep in metadata.entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        where = f"{dist.name} {dist.version}" if dist is not None else "an unknown package"
        entry = EntryPoint(ep.name, ep.value, where)
        # tracker's own (loaded from BUILTIN); the same package found twice on the path. Two packages
        # that chose one name both stay: if they also chose one kind, the second is skipped with a reason.
        if ep.value not in builtin_values and entry not in found:
            found.append(entry)
    found.sort(key=lambda ep: (ep.name, ep.distribution))
    return found, folders


def _only_builtins_declared() -> bool:
    """True when no installed package declares an entry point of GROUP but the built-ins, told from the
    `entry_points.txt` files of the Python path's folders themselves; False when it cannot be told so simply
    (then importlib.metadata decides: ~35 ms, most of a first import's fixed cost after genai-prices).

    The files are read as importlib.metadata reads them (every `*.dist-info` and `*.egg-info` of each folder,
    stripped lines, `#` comments, `[group]` headers, `name = value`), and every file is read where it keeps
    only one per package name: an entry point it would leave out makes this False, never a wrong True.
    Anything else that can hold metadata (a zip or an egg on the path, another finder of distributions)
    makes it False.
    """
    if any(hasattr(finder, "find_distributions") and not _reads_the_path(finder) for finder in sys.meta_path):
        return False
    builtin_values = {value for _, value in BUILTIN}
    for entry in sys.path:
        folder = entry or "."
        if not os.path.exists(folder):
            continue
        if not os.path.isdir(folder) or folder.lower().endswith(".egg"):
            return False
        try:
            children = os.listdir(folder)
        except OSError:
            return False
        for child in children:
            if child.lower().endswith(_METADATA_SUFFIXES):
                values = _declared_values(os.path.join(folder, child, "entry_points.txt"))
                if values is None or not values <= builtin_values:
                    return False
    return True


def _reads_the_path(finder) -> bool:
    """A finder of distributions that finds them in the Python path's folders: the standard library's, or the
    importlib_metadata backport's (which puts its own on sys.meta_path when imported: pytest, keyring)."""
    from importlib.machinery import PathFinder

    kind = finder if isinstance(finder, type) else type(finder)
    return finder is PathFinder or (kind.__name__ == "MetadataPathFinder"
                                    and kind.__module__ in ("importlib.metadata", "importlib_metadata"))


def _declared_values(path: str) -> set[str] | None:
    """The values of a package's GROUP entry points in its entry_points.txt (none: an empty set); None when
    the file cannot be read or a line of a section is no `name = value` (importlib.metadata raises there)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):  # (an egg-info file: no entry points)
        return set()
    except (OSError, UnicodeDecodeError):
        return None
    values, section = set(), None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section is not None:
            if "=" not in line:
                return None
            if section == GROUP:
                values.add(line.split("=", 1)[1].strip())
    return values


def _path_folders() -> list[str]:
    return list(dict.fromkeys(os.path.abspath(entry or ".") for entry in sys.path))


def _mtime(folder: str) -> int | None:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return None


def _holds_metadata(folder: str) -> bool:
    try:
        return any(name.endswith(_METADATA_SUFFIXES) for name in os.listdir(folder))
    except OSError:  # missing, a file (a zip on the path), unreadable
        return False


def _still_valid(folders: dict[str, list]) -> bool:
    """Whether the Python path could hold no other package metadata than when the cache was written.

    A folder unchanged since (same mtime: no entry added or removed) holds the
    same packages; a changed or new folder matters only if it holds package
    metadata now (a working folder on the path changes often and holds none);
    a folder that held some must still be on the path.
    """
    current = _path_folders()
    for folder in current:
        known = folders.get(folder)
        if known is not None and known[0] == _mtime(folder):
            continue
        if _holds_metadata(folder):
            return False
    on_path = set(current)
    return all(folder in on_path for folder, (_, holds) in folders.items() if holds)


def _cache_path() -> str | None:
    """The cache file's path, as text (paths.folder_texts: `tracker import` with nothing new loads no pathlib)."""
    try:
        from tracker.paths import folder_texts, get_paths

        folders = folder_texts()
        return os.path.join(folders[3] if folders is not None else str(get_paths().cache_dir), CACHE_NAME)
    except Exception:  # no usable home folder: scan every time
        return None


def _read_cache(cache: str) -> list[EntryPoint] | None:
    try:
        with open(cache, "rb") as fh:
            doc = _json_value(fh.read())
        if doc.get("format") != CACHE_FORMAT or not _still_valid(doc["folders"]):
            return None
        return [EntryPoint(*row) for row in doc["entry_points"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class _ScanAsLoads:
    """What the C scanner of JSON reads of its decoder: json.loads' defaults (NaN and the infinities as
    float() reads them, as json's constants are)."""

    strict = True
    object_hook = object_pairs_hook = None
    parse_float = parse_constant = float
    parse_int = int


def _json_value(data: bytes):
    """json.loads(data) of the cache (UTF-8, as _write_cache writes it), by json's C scanner alone where the
    text is one JSON value: the json package (its regular expressions, its encoder) is ~1.2 ms of `tracker
    import` with nothing new, which reads this file and no other JSON. Anything else is json.loads' to tell
    (its error: the C scanner's own needs json.decoder loaded)."""
    try:
        from _json import make_scanner

        text = data.decode("utf-8").strip(" \t\n\r")  # (the whitespace json.loads skips around a value)
        value, end = make_scanner(_ScanAsLoads)(text, 0)
        if end == len(text):
            return value
    except Exception:  # (StopIteration: no value; SystemError: a value the scanner could not read)
        pass
    import json

    return json.loads(data)


def _write_cache(cache: str, found: list[EntryPoint], folders: dict[str, list]) -> None:
    now_ns = time.time_ns()
    if any(holds and (mtime is None or now_ns - mtime < SETTLE_S * 1e9) for mtime, holds in folders.values()):
        return  # an install may still be writing there: scan again next time
    doc = {"format": CACHE_FORMAT, "folders": folders,
           "entry_points": [[ep.name, ep.value, ep.distribution] for ep in found]}
    try:
        from tracker.paths import make_private_dir, write_private

        make_private_dir(os.path.dirname(cache))
        temp = f"{cache}.{os.getpid()}.tmp"  # one per process: imports run side by side
        import json

        write_private(temp, json.dumps(doc).encode("utf-8"))
        os.replace(temp, cache)
    except OSError as exc:  # a read-only cache folder: scanning each time is slower, not wrong
        _log().debug("could not keep the plug-in list in %s: %s", cache, exc)
