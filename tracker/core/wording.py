"""Small pieces of user-facing wording shared by the CLI, the GUI and exports."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """'1 file', '2 files', '1,204 requests', '1 entry' / '3 entries' (with plural='entries')."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
