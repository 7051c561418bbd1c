"""Claude Code transcripts (providers.md 5.1), as the agent writes them.

`projects/<cwd with / and . as ->/<session>.jsonl`: compact JSON lines. A session is turns of a
user prompt and up to 25 API responses, each response followed by its tool result. What a
reader has to get right:

* a response with several content blocks is written one line per block (thinking, text,
  tool_use), all with the response's message.id, requestId and usage; the earlier lines carry
  the output tokens streamed so far, the last the final count (the most complete copy wins);
  now and then a response line is written twice, byte for byte (a resumed session);
* a Task tool call runs a sub-agent whose transcript is a sidechain file (`isSidechain: true`,
  the parent's sessionId, an agentId): `<session>/subagents/agent-<id>.jsonl` from the 2.0
  builds, `agent-<id>.jsonl` beside the session before; it may begin with a replay of the
  parent's response (same message.id, another requestId), and its summary in the parent's tool
  result holds a `"usage":{` of its own that is not an API response;
* `<synthetic>` lines (local API-error notices, zero usage, no requestId);
* summaries, file-history snapshots, compaction boundaries: lines without usage;
* the TTL split of cache writes (`cache_creation`) only in builds from June 2025.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from .logfile import LogFile
from .world import CLAUDE_MAIN, CLAUDE_QUICK, DAY_MS, EPOCH, iso

SYNTHETIC = "<synthetic>"
NESTED_SUBAGENTS_SINCE = (dt.date(2025, 10, 1) - EPOCH).days  # the 2.0 builds
CACHE_SPLIT_SINCE = (dt.date(2025, 6, 1) - EPOCH).days
SNAPSHOTS_SINCE = (dt.date(2025, 8, 20) - EPOCH).days
FIRST_1_0_BUILD = (dt.date(2025, 1, 1) - EPOCH).days
CONTEXT_LIMIT_TOKENS = 170_000  # auto-compact beyond this
TOOLS = ("Bash", "Read", "Read", "Edit", "Grep", "Write", "TodoWrite", "Glob", "Bash", "Read")
SUBAGENT_TYPES = ("Explore", "general-purpose", "Plan")
REPLAYED_PARENT_SHARE = 0.3  # sidechain transcripts that begin with the parent's response

ASSISTANT = ('{"parentUuid":%s,%s,"message":{"id":"%s","type":"message","role":"assistant","model":"%s",'
             '"content":[%s],"stop_reason":%s,"stop_sequence":null,"usage":%s},"requestId":"%s","type":"assistant",'
             '"uuid":"%s","timestamp":"%s"}')
USER = '{"parentUuid":%s,%s,"type":"user","message":{"role":"user","content":%s},"uuid":"%s","timestamp":"%s"%s}'
USAGE_SPLIT = ('{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,'
               '"cache_creation":{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":%d},'
               '"output_tokens":%d,"service_tier":"standard"}')
USAGE_PLAIN = ('{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,'
               '"output_tokens":%d,"service_tier":"standard"}')


def _version(day_number: int) -> str:
    if day_number >= NESTED_SUBAGENTS_SINCE:
        return "2.0.%d" % (1 + (day_number - NESTED_SUBAGENTS_SINCE) // 4)
    return "1.0.%d" % max(1, min(128, 20 + (day_number - FIRST_1_0_BUILD) // 3))


def _quoted(uuid: str | None) -> str:
    return '"%s"' % uuid if uuid else "null"


class Response:
    """What a sidechain needs to replay a response: its final line's parts."""

    def __init__(self, message_id: str, model: str, content: str, usage_json: str, usage: tuple, ms: int):
        self.message_id, self.model, self.content = message_id, model, content
        self.usage_json, self.usage, self.ms = usage_json, usage, ms


class Transcript:
    """One transcript being written: a session's, or a sub-agent's sidechain."""

    def __init__(self, corpus, log: LogFile, head: str, cwd: str, ms: int, model: str, context_tokens: int):
        self.c = corpus
        self.log = log
        self.head = head
        self.cwd = cwd
        self.ms = ms
        self.model = model
        self.context = context_tokens
        self.parent: str | None = None
        self.split_cache = ms // DAY_MS >= CACHE_SPLIT_SINCE
        self.last: Response | None = None
        self.extra_bytes = 0  # written to sub-agent files

    def _write(self, line: str, uuid: str) -> bool:
        intact = self.log.add(line)
        self.parent = uuid
        return intact

    def user(self, content: str, extra: str = "") -> None:
        uuid = self.c.ids.uuid4()
        self._write(USER % (_quoted(self.parent), self.head, content, uuid, iso(self.ms), extra), uuid)

    def _usage_json(self, usage: tuple[int, int, int, int], write_1h: int) -> str:
        inp, write, read, out = usage
        if self.split_cache:
            return USAGE_SPLIT % (inp, write, read, write - write_1h, write_1h, out)
        return USAGE_PLAIN % usage

    def _copy(self, message_id: str, request_id: str, content: str, stop: str | None, usage: tuple,
              usage_json: str, ms: int, model: str | None = None) -> str:
        """One line of a response; a surviving copy is in the truth. Returns the line."""
        model = model or self.model
        uuid = self.c.ids.uuid4()
        line = ASSISTANT % (_quoted(self.parent), self.head, message_id, model, content,
                            '"%s"' % stop if stop else "null", usage_json, request_id, uuid, iso(ms))
        if self._write(line, uuid):
            self.c.truth.claude_copy(message_id, self.c.world.day(ms), model, usage)
        self.c.stats["claude_response_lines"] += 1
        return line

    def response(self, blocks: list[str], stop: str) -> str:
        """An API response, one line or one per block; returns its final usage object (JSON)."""
        c = self.c
        rng, ids, stats = c.rng, c.ids, c.stats
        mid, rid = ids.tag("msg_01", 22), ids.tag("req_011C", 20)
        inp = rng.choice((1, 2, 3, 4, 4, 5, 6, 8, 10)) if rng.random() < 0.9 else rng.randint(10, 3_000)
        if self.last is None:  # the system prompt and tools: written to the cache, or read from another session's
            write, read = (self.context, 0) if rng.random() < 0.5 else (rng.randint(0, 800), self.context)
        else:
            write = rng.randint(0, 600) if rng.random() < 0.7 else rng.randint(600, 12_000)
            read = self.context
        out = int(min(16_000, max(1, rng.lognormvariate(5.2, 1.1))))  # median ~180
        self.context += write + rng.randint(0, 400)
        write_1h = write if self.split_cache and rng.random() < 0.2 else 0
        usage = (inp, write, read, out)
        usage_json = self._usage_json(usage, write_1h)
        if len(blocks) > 1 and rng.random() < c.knobs.dup_rate * 2.2:  # streamed: one line per block
            times = [self.ms]
            for _ in blocks[1:]:
                times.append(times[-1] + rng.randint(50, 1_500))
            if times[-1] // DAY_MS != self.ms // DAY_MS:
                times = [self.ms] * len(blocks)  # the copies of one response share its day
            streamed = sorted(rng.randint(1, min(out, 40)) for _ in blocks[:-1])  # output so far, growing
            for block, ms, so_far in zip(blocks[:-1], times, streamed):
                partial = (inp, write, read, so_far)
                self._copy(mid, rid, block, None, partial, self._usage_json(partial, write_1h), ms)
                stats["claude_duplicate_lines"] += 1
            content = blocks[-1]
            self._copy(mid, rid, content, stop, usage, usage_json, times[-1])
            self.ms = times[-1]
        else:
            content = ",".join(blocks)
            line = self._copy(mid, rid, content, stop, usage, usage_json, self.ms)
            if rng.random() < c.knobs.dup_rate * 0.15:  # the same line again, byte for byte
                if self.log.add(line):
                    c.truth.claude_copy(mid, c.world.day(self.ms), self.model, usage)
                stats["claude_duplicate_lines"] += 1
        self.last = Response(mid, self.model, content, usage_json, usage, self.ms)
        self.ms += rng.randint(500, 20_000)
        return usage_json

    def replay(self, response: Response) -> None:
        """A sidechain's copy of its parent's response: same message.id, another requestId."""
        self._copy(response.message_id, self.c.ids.tag("req_011C", 20), response.content, None, response.usage,
                   response.usage_json, response.ms, response.model)
        self.c.stats["claude_sidechain_replays"] += 1

    def synthetic(self) -> bool:
        """Now and then (--synthetic-rate) a local API-error notice: model <synthetic>, zero usage, no requestId."""
        c = self.c
        if c.rng.random() >= c.knobs.synthetic_rate:
            return False
        uuid, mid = c.ids.uuid4(), c.ids.uuid4()
        line = ('{"parentUuid":%s,%s,"message":{"id":"%s","model":"%s","role":"assistant",'
                '"stop_reason":"stop_sequence","stop_sequence":"","type":"message","usage":{"input_tokens":0,'
                '"output_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,'
                '"server_tool_use":{"web_search_requests":0},"service_tier":null},'
                '"content":[{"type":"text","text":"API Error: Request was aborted."}]},'
                '"type":"assistant","uuid":"%s","timestamp":"%s","isApiErrorMessage":true}'
                % (_quoted(self.parent), self.head, mid, SYNTHETIC, uuid, iso(self.ms)))
        if self._write(line, uuid):
            c.truth.claude_copy(mid, c.world.day(self.ms), SYNTHETIC, (0, 0, 0, 0))
        c.stats["claude_synthetic_lines"] += 1
        self.ms += c.rng.randint(1_000, 5_000)
        return True

    def compact_if_full(self) -> None:
        """Past the context limit Claude Code compacts: a boundary line, a summary, a smaller context."""
        c = self.c
        if self.context <= CONTEXT_LIMIT_TOKENS:
            return
        uuid = c.ids.uuid4()
        self._write('{"parentUuid":null,"logicalParentUuid":%s,%s,"type":"system","subtype":"compact_boundary",'
                    '"content":"Conversation compacted","isMeta":false,"timestamp":"%s","uuid":"%s","level":"info",'
                    '"compactMetadata":{"trigger":"auto","preTokens":%d}}'
                    % (_quoted(self.parent), self.head, iso(self.ms), uuid, self.context), uuid)
        self.user(c.filler.thinking.json(), ',"isCompactSummary":true')
        self.context = c.rng.randint(15_000, 35_000)

    def tool_call(self, tool: str) -> tuple[str, str, str, str]:
        """(tool_use block, its id, tool_result content, toolUseResult) of a tool other than Task (JSON)."""
        c = self.c
        f, rng = c.filler, c.rng
        tool_id = c.ids.tag("toolu_01", 22)
        path = json.dumps("%s/src/%s.py" % (self.cwd, rng.choice(("app", "db", "cli", "model", "report"))))
        if tool == "Bash":
            output = f.tool_output.json()
            arguments = '{"command":%s,"description":"Run the command"}' % f.command.json()
            content, result = output, '{"stdout":%s,"stderr":"","interrupted":false,"isImage":false}' % output
        elif tool == "Read":
            content = f.tool_output.json()
            lines = content.count("\\n") + 1
            arguments = '{"file_path":%s}' % path
            result = ('{"type":"text","file":{"filePath":%s,"content":%s,"numLines":%d,"startLine":1,'
                      '"totalLines":%d}}' % (path, content, lines, lines))
        elif tool in ("Edit", "Write"):
            old, new = f.edit.json(), f.edit.json()
            arguments = ('{"file_path":%s,"old_string":%s,"new_string":%s}' % (path, old, new) if tool == "Edit"
                         else '{"file_path":%s,"content":%s}' % (path, new))
            content = json.dumps("The file %s has been updated." % json.loads(path))
            result = ('{"filePath":%s,"oldString":%s,"newString":%s,"originalFile":%s,"structuredPatch":[],'
                      '"userModified":false,"replaceAll":false}' % (path, old, new, f.tool_output.json()))
        elif tool == "TodoWrite":
            item = f.prompt.json()
            todos = '[{"content":%s,"status":"in_progress","activeForm":%s}]' % (item, item)
            arguments = '{"todos":%s}' % todos
            content = '"Todos have been modified successfully."'
            result = '{"oldTodos":[],"newTodos":%s}' % todos
        else:  # Grep, Glob
            names = ["%s/src/m%d.py" % (self.cwd, i) for i in range(rng.randint(0, 12))]
            pattern = rng.choice(("TODO", "def ", "**/*.py"))
            arguments = '{"pattern":%s,"path":%s}' % (json.dumps(pattern), json.dumps(self.cwd))
            content = json.dumps("\n".join(names))
            result = ('{"filenames":%s,"durationMs":%d,"numFiles":%d,"truncated":false}'
                      % (json.dumps(names), rng.randint(2, 900), len(names)))
        block = '{"type":"tool_use","id":"%s","name":"%s","input":%s}' % (tool_id, tool, arguments)
        return block, tool_id, content, result

    def tool_result(self, tool_id: str, content: str, tool_use_result: str) -> None:
        self.user('[{"tool_use_id":"%s","type":"tool_result","content":%s,"is_error":false}]' % (tool_id, content),
                  ',"toolUseResult":%s' % tool_use_result)
        self.ms += self.c.rng.randint(200, 30_000)

    def blocks(self, thinking: bool, text: bool) -> list[str]:
        f = self.c.filler
        out = []
        if thinking:
            out.append('{"type":"thinking","thinking":%s,"signature":"%s"}' % (f.thinking.json(), f.signature.pick()))
        if text:
            out.append('{"type":"text","text":%s}' % f.answer.json())
        return out

    def step(self, tool: str | None) -> str:
        """One response, and the result of its tool if it called one; returns the response's usage JSON."""
        rng = self.c.rng
        blocks = self.blocks(rng.random() < 0.35, tool is None or rng.random() < 0.6)
        if tool is None:
            return self.response(blocks, "end_turn")
        block, tool_id, content, result = self.tool_call(tool)
        usage = self.response(blocks + [block], "tool_use")
        self.tool_result(tool_id, content, result)
        return usage


def write_session(c, projects: Path, target_bytes: int) -> int:
    """A main transcript of about `target_bytes`, with its sub-agents' files; returns the bytes written."""
    rng, ids = c.rng, c.ids
    ms = c.world.session_start_ms()
    cwd = c.world.cwd()
    session = ids.uuid4()
    day_number = ms // DAY_MS
    folder = projects / cwd.replace("/", "-").replace(".", "-")
    log = LogFile(folder / f"{session}.jsonl", rng, c.knobs.malformed_rate, c.stats, "claude")
    branch = rng.choice(("main", "main", "dev", "feature/%s" % rng.choice(("auth", "export", "charts", "sync"))))
    head = ('"isSidechain":false,"userType":"external","cwd":%s,"sessionId":"%s","version":"%s","gitBranch":%s'
            % (json.dumps(cwd), session, _version(day_number), json.dumps(branch)))
    main = Transcript(c, log, head, cwd, ms, c.world.model(CLAUDE_MAIN, ms), rng.randint(12_000, 30_000))
    if rng.random() < 0.3:
        log.add('{"type":"summary","summary":%s,"leafUuid":"%s"}' % (c.filler.command.json(), ids.uuid4()))
    while log.size + main.extra_bytes < target_bytes:  # the session's sub-agents count towards its size
        if day_number >= SNAPSHOTS_SINCE:
            log.add('{"type":"file-history-snapshot","messageId":"%s","snapshot":{"messageId":"%s",'
                    '"trackedFileBackups":{},"timestamp":"%s"},"isSnapshotUpdate":false}'
                    % (ids.uuid4(), ids.uuid4(), iso(main.ms)))
        main.user(c.filler.prompt.json())
        main.ms += rng.randint(2_000, 40_000)
        if rng.random() < 0.05:  # /model
            main.model = c.world.model(CLAUDE_MAIN, main.ms)
        steps = rng.randint(1, 25)
        for k in range(steps):
            if main.synthetic():
                continue
            if k == steps - 1 or log.size + main.extra_bytes >= target_bytes:  # a full session ends the turn
                main.step(None)
                break
            if rng.random() < c.knobs.claude_subagent_rate:
                _task(c, main, folder, session, day_number)
            else:
                main.step(rng.choice(TOOLS))
            main.compact_if_full()
        main.ms += rng.randint(20_000, 900_000)  # the user reads, thinks, types
    if rng.random() < c.knobs.malformed_rate * 20:  # killed mid-write
        log.end_mid_line('{"parentUuid":%s,"isSidechain":false,"type":"user","message":{"role":"user","content":"wa'
                         % _quoted(main.parent))
    return log.close() + main.extra_bytes


def _task(c, main: Transcript, folder: Path, session: str, day_number: int) -> None:
    """A Task call: the sub-agent's sidechain transcript, then its summary as the tool result."""
    rng, ids, f = c.rng, c.ids, c.filler
    kind = rng.choice(SUBAGENT_TYPES)
    prompt = f.prompt.json()
    tool_id = ids.tag("toolu_01", 22)
    block = ('{"type":"tool_use","id":"%s","name":"Task","input":{"description":%s,"prompt":%s,"subagent_type":"%s"}}'
             % (tool_id, f.command.json(), prompt, kind))
    main.response(main.blocks(False, rng.random() < 0.5) + [block], "tool_use")
    agent = "%08x" % rng.getrandbits(32)
    if day_number >= NESTED_SUBAGENTS_SINCE:
        path = folder / session / "subagents" / f"agent-{agent}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".meta.json").write_text('{"agentType":"%s"}\n' % kind)
    else:
        path = folder / f"agent-{agent}.jsonl"
    log = LogFile(path, rng, c.knobs.malformed_rate, c.stats, "claude")
    head = main.head.replace('"isSidechain":false', '"isSidechain":true', 1) + ',"agentId":"%s"' % agent
    model = c.world.model(CLAUDE_QUICK, main.ms) if kind == "Explore" else main.model
    sub = Transcript(c, log, head, main.cwd, main.ms + rng.randint(300, 2_000), model, rng.randint(8_000, 20_000))
    if rng.random() < REPLAYED_PARENT_SHARE:
        sub.replay(main.last)
    sub.user(prompt)
    steps = rng.randint(2, 12)
    usage = ""
    for k in range(steps):
        last = k == steps - 1
        if last or not sub.synthetic():
            usage = sub.step(None if last else rng.choice(TOOLS))
    main.extra_bytes += log.close()
    c.stats["claude_subagent_files"] += 1
    answer = f.answer.json()
    summary = ('{"status":"completed","prompt":%s,"agentId":"%s","content":[{"type":"text","text":%s}],'
               '"totalDurationMs":%d,"totalTokens":%d,"totalToolUseCount":%d,"usage":%s}'
               % (prompt, agent, answer, sub.ms - main.ms, sum(sub.last.usage), steps - 1, usage))
    main.ms = sub.ms
    main.tool_result(tool_id, '[{"type":"text","text":%s}]' % answer, summary)
