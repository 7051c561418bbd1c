"""Codex CLI rollouts (providers.md 5.2), as the agent writes them.

`sessions/YYYY/MM/DD/rollout-<time>-<thread uuid7>.jsonl`: `{"timestamp","type","payload"}` lines.
A thread is turns of a turn_context (the model), the user's message, and up to 15 model calls,
each: reasoning (an encrypted blob and its summary), a tool call and its output, and a
token_count event with the thread's cumulative `total_token_usage` and the call's
`last_token_usage`. What a reader has to get right:

* input includes cached input, output includes reasoning, total = input + output;
* a token_count with `info: null` (rate limits only) opens every thread;
* re-emitted token_counts with an unchanged total (rate-limit refreshes) are not calls;
* a sub-agent thread's rollout starts with a burst replaying its parent's token_counts within
  one second of its session_meta (`source.subagent.thread_spawn`); they seed its running total;
* the model switches mid-thread (a new turn_context); long threads compact (`compacted`).

Lines that carry the model or the running totals (session_meta, turn_context, token_count) are
never cut short: losing one would leave the truth ambiguous between the total's advance and
last_token_usage.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from pathlib import Path

from .logfile import LogFile
from .world import CODEX, DAY_MS, EPOCH, iso

CONTEXT_LIMIT_TOKENS = 240_000  # auto-compact beyond this
MAX_REPLAYED_EVENTS = 900  # a replay burst stays inside its second (ccusage's rule), 1 ms apart
FIRST_CLI = (dt.date(2025, 4, 16) - EPOCH).days
RESETS_AT_SINCE = (dt.date(2025, 9, 1) - EPOCH).days  # newer builds give reset times, not countdowns
USER_MESSAGE = '{"type":"message","role":"user","content":[{"type":"input_text","text":%s}]}'
USAGE = ('{"input_tokens":%d,"cached_input_tokens":%d,"output_tokens":%d,"reasoning_output_tokens":%d,'
         '"total_tokens":%d}')


class Rollout:
    """One thread's rollout file being written."""

    def __init__(self, c, sessions: Path, ms: int, cwd: str, model: str, target_bytes: int):
        self.c = c
        self.target_bytes = target_bytes
        self.ms = ms
        self.cwd = cwd
        self.model = model
        self.thread = c.ids.uuid7(ms)
        t = time.gmtime(ms // 1000)
        name = "rollout-%04d-%02d-%02dT%02d-%02d-%02d-%s.jsonl" % (t[0], t[1], t[2], t[3], t[4], t[5], self.thread)
        folder = sessions / ("%04d" % t[0]) / ("%02d" % t[1]) / ("%02d" % t[2])
        self.log = LogFile(folder / name, c.rng, c.knobs.malformed_rate, c.stats, "codex")
        self.totals = [0, 0, 0, 0, 0]
        self.advancing: list[str] = []  # the info objects of the calls, for a sub-agent to replay
        self.context = c.rng.randint(8_000, 20_000)
        self.effort = c.rng.choice(("low", "medium", "medium", "high"))
        self.used_tenths = c.rng.randint(0, 300)  # primary rate-limit window, in tenths of a percent
        day_number = ms // DAY_MS
        self.cli_version = "0.%d.0" % (1 + max(0, day_number - FIRST_CLI) // 6)
        self.resets_at = day_number >= RESETS_AT_SINCE

    def add(self, kind: str, payload: str, keep: bool = False, ms: int | None = None) -> bool:
        return self.log.add('{"timestamp":"%s","type":"%s","payload":%s}'
                            % (iso(self.ms if ms is None else ms), kind, payload), keep)

    def token_count(self, info: str, rate_limits: str, ms: int | None = None) -> None:
        """A token_count event; never cut short (it carries the running total)."""
        self.add("event_msg", '{"type":"token_count","info":%s,"rate_limits":%s}' % (info, rate_limits), True, ms)

    def rate_limits(self) -> str:
        rng = self.c.rng
        used = self.used_tenths / 10
        if self.resets_at:
            now_s = self.ms // 1000
            return ('{"limit_id":"codex","limit_name":"Codex","primary":{"used_percent":%.1f,"window_minutes":300,'
                    '"resets_at":%d},"secondary":{"used_percent":%.1f,"window_minutes":10080,"resets_at":%d}}'
                    % (used, now_s + rng.randint(0, 18_000), used / 3, now_s + rng.randint(0, 604_800)))
        return ('{"primary":{"used_percent":%.1f,"window_minutes":300,"resets_in_seconds":%d},'
                '"secondary":{"used_percent":%.1f,"window_minutes":10080,"resets_in_seconds":%d}}'
                % (used, rng.randint(0, 18_000), used / 3, rng.randint(0, 604_800)))

    def open(self, source: str) -> None:
        c = self.c
        self.add("session_meta", '{"id":"%s","timestamp":"%s","cwd":%s,"originator":"codex_cli_rs","cli_version":"%s",'
                 '"instructions":%s,"source":%s,"model_provider":"openai","git":{"commit_hash":"%040x","branch":"main",'
                 '"repository_url":"git@github.com:dev/%s.git"}}'
                 % (self.thread, iso(self.ms), json.dumps(self.cwd), self.cli_version, c.filler.instructions.json(),
                    source, c.rng.getrandbits(160), self.cwd.rsplit("/", 1)[-1]), keep=True)
        environment = ("<environment_context>\n  <cwd>%s</cwd>\n  <approval_policy>on-request</approval_policy>\n"
                       "  <sandbox_mode>workspace-write</sandbox_mode>\n  <network_access>restricted</network_access>\n"
                       "  <shell>bash</shell>\n</environment_context>" % self.cwd)
        self.add("response_item", USER_MESSAGE % json.dumps(environment))

    def rate_limits_only(self) -> None:
        self.token_count("null", self.rate_limits())
        self.c.stats["codex_null_info_events"] += 1

    def call(self) -> None:
        """One model call: its token_count (and now and then a re-emit of it)."""
        c = self.c
        rng = c.rng
        first = not self.totals[0]
        cached = 0 if first or rng.random() < 0.05 else self.context * rng.randint(75, 98) // 100 // 64 * 64
        out = int(min(30_000, max(5, rng.lognormvariate(math.log(400), 1.0))))
        last = (self.context, cached, out, out * rng.randint(0, 85) // 100, self.context + out)
        for i, value in enumerate(last):
            self.totals[i] += value
        info = ('{"total_token_usage":%s,"last_token_usage":%s,"model_context_window":272000}'
                % (USAGE % tuple(self.totals), USAGE % last))
        self.token_count(info, self.rate_limits())
        c.truth.codex_call(c.world.day(self.ms), self.model, last)
        c.stats["codex_token_count_events"] += 1
        self.advancing.append(info)
        self.context += rng.randint(200, 6_000)
        self.used_tenths = min(1000, self.used_tenths + rng.randint(0, 5))
        if rng.random() < c.knobs.reemit_rate:
            self.ms += rng.randint(50, 2_000)
            self.token_count(info, self.rate_limits())
            c.stats["codex_reemitted_events"] += 1
        self.ms += rng.randint(100, 2_000)

    def tool(self) -> None:
        """A tool call the model made (shell or apply_patch); its output follows the call's token_count."""
        c = self.c
        f, rng = c.filler, c.rng
        call_id = c.ids.tag("call_", 24)
        if rng.random() < 0.7:
            arguments = '{"command":["bash","-lc",%s],"workdir":%s,"timeout_ms":120000}' % (f.command.json(),
                                                                                          json.dumps(self.cwd))
            self.add("response_item", '{"type":"function_call","name":"shell","arguments":%s,"call_id":"%s"}'
                     % (json.dumps(arguments), call_id))
            self.call()
            output = '{"output":%s,"metadata":{"exit_code":%d,"duration_seconds":%d.%d}}' % (
                f.tool_output.json(), rng.choice((0, 0, 0, 1, 2)), rng.randint(0, 30), rng.randint(0, 9))
            self.add("response_item", '{"type":"function_call_output","call_id":"%s","output":%s}'
                     % (call_id, json.dumps(output)))
        else:
            patch = "*** Begin Patch\n*** Update File: src/%s.py\n@@\n%s\n*** End Patch" % (
                rng.choice(("app", "db", "cli")), f.edit.text())
            self.add("response_item", '{"type":"custom_tool_call","status":"completed","call_id":"%s",'
                     '"name":"apply_patch","input":%s}' % (call_id, json.dumps(patch, ensure_ascii=False)))
            self.call()
            output = '{"output":"Success. Updated the following files:\\nM src/app.py\\n","metadata":{"exit_code":0}}'
            self.add("response_item", '{"type":"custom_tool_call_output","call_id":"%s","output":%s}'
                     % (call_id, json.dumps(output)))
        self.ms += rng.randint(200, 20_000)

    def turn(self) -> None:
        c = self.c
        f, rng = c.filler, c.rng
        if rng.random() < 0.05:  # /model
            self.model = c.world.model(CODEX, self.ms)
        self.add("turn_context", '{"cwd":%s,"approval_policy":"on-request","sandbox_policy":{"mode":"workspace-write",'
                 '"network_access":false},"model":"%s","effort":"%s","summary":"auto"}'
                 % (json.dumps(self.cwd), self.model, self.effort), keep=True)
        prompt = f.prompt.json()
        self.add("response_item", USER_MESSAGE % prompt)
        self.add("event_msg", '{"type":"user_message","message":%s,"kind":"plain"}' % prompt)
        self.ms += rng.randint(1_000, 5_000)
        steps = rng.randint(1, 15)
        for k in range(steps):
            summary = f.answer.json()
            self.add("response_item", '{"type":"reasoning","summary":[{"type":"summary_text","text":%s}],'
                     '"content":null,"encrypted_content":"gAAAAA%s"}' % (summary, f.encrypted.pick()))
            self.add("event_msg", '{"type":"agent_reasoning","text":%s}' % summary)
            self.ms += rng.randint(1_000, 25_000)
            if k < steps - 1 and self.log.size < self.target_bytes:  # a full file ends the turn early
                self.tool()
            else:
                self.call()
                answer = f.answer.json()
                self.add("response_item", '{"type":"message","role":"assistant","content":[{"type":"output_text",'
                         '"text":%s}]}' % answer)
                self.add("event_msg", '{"type":"agent_message","message":%s}' % answer)
                break
            if self.context > CONTEXT_LIMIT_TOKENS:
                self.add("compacted", '{"message":%s}' % f.thinking.json())
                self.context = rng.randint(15_000, 40_000)
        self.ms += rng.randint(20_000, 900_000)


def write_session(c, sessions: Path, target_bytes: int) -> int:
    """A thread's rollout of about `target_bytes` (and now and then a sub-agent's); returns the bytes written."""
    ms = c.world.session_start_ms()
    rollout = Rollout(c, sessions, ms, c.world.cwd(), c.world.model(CODEX, ms), target_bytes)
    rollout.open('"cli"')
    rollout.rate_limits_only()
    rollout.ms += c.rng.randint(1_000, 10_000)
    while rollout.log.size < rollout.target_bytes:
        rollout.turn()
    written = rollout.log.close()
    if c.rng.random() < c.knobs.codex_subagent_rate and len(rollout.advancing) <= MAX_REPLAYED_EVENTS:
        written += _subagent(c, sessions, rollout)
    return written


def _subagent(c, sessions: Path, parent: Rollout) -> int:
    """A sub-agent thread spawned at the end of `parent`: the replay burst, then calls of its own."""
    rng = c.rng
    ms = (parent.ms + rng.randint(1_000, 60_000)) // 1000 * 1000 + rng.randint(0, 40)
    child = Rollout(c, sessions, ms, parent.cwd, parent.model, rng.randint(20_000, 150_000))
    child.open('{"subagent":{"thread_spawn":{"parent_thread_id":"%s","depth":1}}}' % parent.thread)
    for k, info in enumerate(parent.advancing):
        child.token_count(info, "null", ms + 1 + k)
    c.stats["codex_replayed_events"] += len(parent.advancing)
    c.stats["codex_subagent_files"] += 1
    child.totals = list(parent.totals)  # the replayed totals are where the child's own start from
    child.ms = ms + rng.randint(2_000, 10_000)
    while child.log.size < child.target_bytes:
        child.turn()
    return child.log.close()
