"""The project's own seeded corpus of coding-agent logs (Claude Code, Codex CLI) with exact ground truth.

`gen_logs.generate(out, mb=3, seed=1, ...)` from the tests; `python tests/corpus/gen_logs.py --help`
from a shell (the benchmarks).
"""
