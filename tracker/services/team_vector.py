"""What a member's weekly contribution holds: a vector of whole numbers in groups.

The layout is fixed by the team's signed settings (families, categories, cost
buckets), so every member's vector has the same shape and the sum means
something. Each group is unmasked on its own, and only when enough members
stand behind it (team_protocol.py):

* `base`, opened whenever the week is published (k or more members): the
  number of members, total cost (picodollars) / requests / tokens, the
  histogram of members' weekly cost (one member = one count in one bucket),
  and counts of members per model family and team category (`*_used`).
* `family:<f>`: one family's cost, requests and tokens; opened only when k or
  more members used it and it is not pooled.
* `roi`, `category:<c>`: cost and value per team category; opened only when
  k or more members reported it.
* `nudges`: nudge adoption; opened only when k or more members reported it.

Pooling: rows with fewer than k members are never opened. Their sum is the
total minus the opened rows, so one row of k or more members (the least used)
is kept closed too and pooled with them: the pool then stands on k or more
members, and nobody can subtract their way to a group under k.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.services.model_family import OTHER as OTHER_FAMILY

TOKEN_CLASSES = ("input", "cache_read", "cache_write", "output", "reasoning")
USAGE_FIELDS = ("cost_pico", "requests", "unpriced_requests", *(f"tokens.{c}" for c in TOKEN_CLASSES))
VALUE_FIELDS = ("cost_pico", "value_pico", "with_value")
NUDGE_FIELDS = ("open", "switched", "realised_weekly_pico")
UNCATEGORISED = "uncategorised"
OTHER_CATEGORY = "other"
BASE = "base"
ROI = "roi"
NUDGES = "nudges"
MAX_VALUE = 2**100  # per member and element: a sum of a million members still fits the modulus

# The default order of the model mix (a team's settings may list fewer; the rest is "other").
DEFAULT_FAMILIES = (
    "claude-sonnet", "claude-opus", "claude-haiku", "gpt-5", "gpt-5-mini", "gemini-pro", "gemini-flash",
    "gpt-4.1", "gpt-4.1-mini", "gpt-4o", "gpt-4o-mini", "openai-o-series", "deepseek-chat", "gemini-flash-lite",
    "gpt-5-nano", "gpt-4.1-nano", "deepseek-reasoner", "claude-other", "gemini-other", "deepseek-other", "gpt-4",
    "gpt-3.5", "gpt-oss", "grok", "mistral", "llama", "qwen", "kimi", "glm", "openai-embedding", OTHER_FAMILY,
)
# Upper edges of the weekly cost buckets in whole USD; the last bucket is open-ended. Wide enough
# that a quantile is a range, never one member's figure.
DEFAULT_COST_BUCKETS_USD = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def family_group(family: str) -> str:
    return f"family:{family}"


def category_group(category: str) -> str:
    return f"category:{category}"


@dataclass(frozen=True)
class Layout:
    families: tuple[str, ...]
    categories: tuple[str, ...]  # the team's own, then "other" and "uncategorised"
    cost_buckets_usd: tuple[int, ...]

    @classmethod
    def from_settings(cls, settings: dict) -> "Layout":
        return cls(tuple(settings["families"]),
                   tuple(settings["categories"]) + (OTHER_CATEGORY, UNCATEGORISED),
                   tuple(settings["cost_buckets_usd"]))

    def base_fields(self) -> tuple[str, ...]:
        return (
            "members", *USAGE_FIELDS,
            *(f"hist.{i}" for i in range(len(self.cost_buckets_usd) + 1)),
            *(f"family_used.{f}" for f in self.families), "roi_available", "nudges_available",
            *(f"category_used.{c}" for c in self.categories),
        )

    def groups(self) -> list[tuple[str, tuple[str, ...]]]:
        """(group, field names) in vector order."""
        return ([(BASE, self.base_fields())]
                + [(family_group(f), USAGE_FIELDS) for f in self.families]
                + [(ROI, VALUE_FIELDS)]
                + [(category_group(c), VALUE_FIELDS) for c in self.categories]
                + [(NUDGES, NUDGE_FIELDS)])

    def spans(self) -> dict[str, tuple[int, int]]:
        """group -> (offset, length) in the vector."""
        out, offset = {}, 0
        for group, fields in self.groups():
            out[group] = (offset, len(fields))
            offset += len(fields)
        return out

    @property
    def length(self) -> int:
        return sum(len(fields) for _, fields in self.groups())

    def group_names(self) -> list[str]:
        return [group for group, _ in self.groups()]

    def encode(self, values: dict[str, dict[str, int]]) -> list[int]:
        """A member's values as the flat vector (fields not given are 0)."""
        unknown = set(values) - set(self.group_names())
        if unknown:
            raise ValueError(f"group(s) {sorted(unknown)} are not in the team's layout")
        vector = []
        for group, fields in self.groups():
            given = values.get(group, {})
            extra = set(given) - set(fields)
            if extra:
                raise ValueError(f"field(s) {sorted(extra)} are not in group {group}")
            for name in fields:
                value = given.get(name, 0)
                if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < MAX_VALUE:
                    raise ValueError(f"{group}.{name} = {value!r} is not a whole number from 0 below 2**100")
                vector.append(value)
        return vector

    def decode(self, vector: list[int], groups: set[str]) -> dict[str, dict[str, int]]:
        """The named values of the given (opened) groups of a summed vector."""
        spans = self.spans()
        out = {}
        for group, fields in self.groups():
            if group in groups:
                offset, _length = spans[group]
                out[group] = dict(zip(fields, vector[offset:offset + len(fields)], strict=True))
        return out

    def bucket_of(self, cost_pico: int) -> int:
        for i, edge in enumerate(self.cost_buckets_usd):
            if cost_pico < edge * 10**12:
                return i
        return len(self.cost_buckets_usd)

    def bucket_range(self, index: int) -> tuple[int, int | None]:
        """(from USD, to USD or None for the open top bucket)."""
        edges = (0, *self.cost_buckets_usd)
        upper = self.cost_buckets_usd[index] if index < len(self.cost_buckets_usd) else None
        return edges[index], upper


@dataclass(frozen=True)
class Pooling:
    shown: tuple[str, ...]  # rows opened on their own, in the settings' order
    pooled: tuple[str, ...]  # rows summed into one pool (total minus the shown rows)
    pool_members_at_least: int  # the pool stands on at least this many members


def pooling(order: tuple[str, ...], used: dict[str, int], k: int) -> Pooling:
    """Which rows open on their own, and the pool that takes the rest (see the module text)."""
    small = [name for name in order if 0 < used[name] < k]
    large = [name for name in order if used[name] >= k]
    if not small:
        return Pooling(tuple(large), (), 0)
    if large:  # the least used large row joins the small ones: it alone puts k members behind the pool
        joined = min(reversed(large), key=lambda name: used[name])
        large.remove(joined)
        small.append(joined)
    pooled = tuple(name for name in order if name in small)
    return Pooling(tuple(large), pooled, max(used[name] for name in pooled))


def openable_groups(layout: Layout, base: dict[str, int], k: int) -> set[str]:
    """The groups that may be opened once `base` is known: each stands on k or more members."""
    groups = {family_group(f) for f in family_pooling(layout, base, k).shown}
    if base["roi_available"] >= k:
        groups.add(ROI)
        groups |= {category_group(c) for c in category_pooling(layout, base, k).shown}
    if base["nudges_available"] >= k:
        groups.add(NUDGES)
    return groups


def family_pooling(layout: Layout, base: dict[str, int], k: int) -> Pooling:
    return pooling(layout.families, {f: base[f"family_used.{f}"] for f in layout.families}, k)


def category_pooling(layout: Layout, base: dict[str, int], k: int) -> Pooling:
    return pooling(layout.categories, {c: base[f"category_used.{c}"] for c in layout.categories}, k)


def usage_flags(order: tuple[str, ...], used: set[str], prefix: str) -> dict[str, int]:
    """A member's `<prefix>_used.*` indicators (0 or 1)."""
    return {f"{prefix}_used.{name}": int(name in used) for name in order}
