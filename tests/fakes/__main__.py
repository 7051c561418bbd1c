"""`python -m tests.fakes serve [--seed N] [--faults RATE]`: run every fake until Ctrl-C.

Prints each base URL and its keys, so the app can be tried with
`tracker sources add openai --label demo --base-url http://127.0.0.1:PORT/v1`.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time

from tests.fakes.dataset import AnthropicData, DeepSeekData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeDeepSeek, FakeOpenAI, FakeOpenRouter, Faults


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=float, default=0.0,
                        help="rate of each fault kind per request (429, 500, slow, truncated), e.g. 0.05")
    args = parser.parse_args(argv)
    now_s = int(time.time())

    def faults(n):
        r = args.faults
        return Faults(seed=args.seed + n, rate_429=r, rate_500=r, rate_slow=r, rate_truncate=r, slow_s=40)

    fakes = [
        FakeOpenAI(OpenAIData(now_s, seed=args.seed), faults=faults(1)),
        FakeAnthropic(AnthropicData(now_s, seed=args.seed + 1), faults=faults(2)),
        FakeOpenRouter(OpenRouterData(now_s, seed=args.seed + 2), faults=faults(3)),
        FakeDeepSeek(DeepSeekData(), faults=faults(4)),
    ]
    for fake in fakes:
        fake.start()
        keys = ", ".join(f"{role}: {key}" for key, role in fake.keys.items())
        print(f"{fake.name:<11} {fake.base_url}   keys -> {keys}", flush=True)
    print("Try: tracker sources add openai --label fake --base-url <url above> (paste the admin key). "
          "Ctrl-C stops.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    stop.wait()
    for fake in fakes:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
