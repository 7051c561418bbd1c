"""What a correct importer must find in the corpus: per UTC day and model, token totals after de-duplication.

Claude Code: one API response is counted once however many lines repeat it (streamed content
blocks, a rewrite, a sidechain replay under another requestId); it counts with its most complete
surviving copy (the largest token total; the copies of one response share its day and model).
A response whose every copy was cut short is not in the logs, so it is not in the truth.

Codex CLI: one model call per token_count event whose cumulative total advanced, with that call's
own figures (`last_token_usage`, equal to the advance of the total); re-emits with an unchanged
total and a sub-agent's replay of its parent's history count for nothing. Codex input includes the
cached input and output includes the reasoning, as Codex writes them.
"""

from __future__ import annotations

CLAUDE_FIELDS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
CODEX_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens")


class Truth:
    def __init__(self):
        self._responses: dict[str, tuple[int, str, str, tuple[int, ...]]] = {}  # message id -> best copy
        self._calls: dict[tuple[str, str], list[int]] = {}

    def claude_copy(self, message_id: str, day: str, model: str, usage: tuple[int, int, int, int]) -> None:
        """A surviving line of a response; `usage` in CLAUDE_FIELDS order."""
        total = sum(usage)
        best = self._responses.get(message_id)
        if best is None or total > best[0]:
            self._responses[message_id] = (total, day, model, usage)

    def codex_call(self, day: str, model: str, usage: tuple[int, int, int, int, int]) -> None:
        """One counted model call; `usage` in CODEX_FIELDS order."""
        sums = self._calls.get((day, model))
        if sums is None:
            sums = self._calls[(day, model)] = [0] * (len(CODEX_FIELDS) + 1)
        for i, value in enumerate(usage):
            sums[i] += value
        sums[-1] += 1

    def claude_responses(self) -> int:
        return len(self._responses)

    def document(self) -> dict:
        claude: dict[tuple[str, str], list[int]] = {}
        for _, day, model, usage in self._responses.values():
            sums = claude.get((day, model))
            if sums is None:
                sums = claude[(day, model)] = [0] * (len(CLAUDE_FIELDS) + 1)
            for i, value in enumerate(usage):
                sums[i] += value
            sums[-1] += 1
        return {"claude": _table(claude, CLAUDE_FIELDS + ("messages",)),
                "codex": _table(self._calls, CODEX_FIELDS + ("events",))}


def _table(sums: dict[tuple[str, str], list[int]], names: tuple[str, ...]) -> dict:
    days: dict[str, dict] = {}
    totals = dict.fromkeys(names, 0)
    for day, model in sorted(sums):
        row = dict(zip(names, sums[(day, model)]))
        days.setdefault(day, {})[model] = row
        for name, value in row.items():
            totals[name] += value
    return {"days": days, "totals": totals}
