"""Model ladders: which cheaper models to suggest for a premium one.

Ladders are data (resources/model_ladders.json, see its _comment), with the
user's file config/ladders.json on top: a family there replaces the shipped
family of the same name, and new families are added. A bad user file or a bad
entry is skipped with a warning that names the file and the fix; it never
stops the app, and the shipped ladders still apply.

Ladders hold names only. Whether a rung is cheaper, and by how much, is asked
of the pricing module for the same tokens at the request's date.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.paths import resource_path

LADDERS_FILE = "model_ladders.json"
USER_LADDERS_FILE = "ladders.json"


@dataclass(frozen=True, slots=True)
class Rule:
    patterns: tuple[str, ...]  # lower-case shell-style patterns
    cheaper: tuple[str, ...]  # cheaper rungs, best (closest) first; empty = bottom rung

    def matches(self, model: str) -> bool:
        name = model.lower()
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.patterns)


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    provider: str | None
    rules: tuple[Rule, ...]
    origin: str  # "tracker" (shipped) or "user"


@dataclass(frozen=True, slots=True)
class Match:
    family: str
    provider: str | None
    cheaper: tuple[str, ...]


@dataclass
class Ladders:
    families: list[Family] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lookup(self, model: str | None) -> Match | None:
        """The first rule that fits `model` (user families are tried first)."""
        if not model:
            return None
        for family in self.families:
            for rule in family.rules:
                if rule.matches(model):
                    return Match(family.name, family.provider, rule.cheaper)
        return None


def _parse(doc: Any, where: str, origin: str, warnings: list[str]) -> dict[str, Family]:
    families = doc.get("families") if isinstance(doc, dict) else None
    if not isinstance(families, dict):
        warnings.append(f'{where}: expected an object {{"families": {{name: {{"rules": [...]}}}}}}; ignoring the file')
        return {}
    parsed: dict[str, Family] = {}
    for name, body in families.items():
        if not isinstance(body, dict) or not isinstance(body.get("rules"), list):
            warnings.append(f"{where}: family {name!r} needs a 'rules' list; skipping the family")
            continue
        provider = body.get("provider")
        if provider is not None and not isinstance(provider, str):
            warnings.append(f"{where}: family {name!r}: 'provider' must be a string; ignoring it")
            provider = None
        rules = []
        for index, raw in enumerate(body["rules"]):
            rule = _rule(raw)
            if rule is None:
                warnings.append(
                    f"{where}: family {name!r} rule {index + 1}: expected "
                    '{"match": ["pattern", ...], "cheaper": ["model", ...]} with strings; skipping the rule'
                )
                continue
            rules.append(rule)
        parsed[name] = Family(name, provider, tuple(rules), origin)
    return parsed


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(v.strip().lower() for v in value)


def _rule(raw: Any) -> Rule | None:
    if not isinstance(raw, dict):
        return None
    patterns = _strings(raw.get("match"))
    cheaper = _strings(raw.get("cheaper", []))
    if not patterns or cheaper is None:
        return None
    return Rule(patterns, cheaper)


def _read(path: Path, origin: str, warnings: list[str]) -> dict[str, Family]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if origin == "tracker":
            warnings.append(f"{path}: the shipped model ladders are missing; no nudges can be made")
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        warnings.append(f"{path}: cannot read model ladders ({exc}); fix or delete the file. Ignoring it")
        return {}
    return _parse(doc, str(path), origin, warnings)


def load_ladders(config_dir: Path | None = None, shipped: Path | None = None) -> Ladders:
    """Shipped ladders, with config_dir/ladders.json overriding by family name."""
    warnings: list[str] = []
    base = _read(shipped or resource_path(LADDERS_FILE), "tracker", warnings)
    user: dict[str, Family] = {}
    if config_dir is not None:
        user = _read(config_dir / USER_LADDERS_FILE, "user", warnings)
    # User families first, so that a user rule wins for a model both match.
    families = list(user.values()) + [f for name, f in base.items() if name not in user]
    return Ladders(families, warnings)
