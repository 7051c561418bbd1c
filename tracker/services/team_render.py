"""Rendering team summaries and team reports as Markdown or HTML.

One renderer for the CLI preview and the GUI: a document is a list of
blocks (heading, paragraph, table, code), turned into Markdown or into HTML
(every text escaped). The summary preview ends with the exact JSON bytes that
would leave, so what the user reads is what is sent.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.services.team_schema import REASONS, TOKEN_CLASSES


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | p | table | code
    text: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


def _num(n: int | None) -> str:
    return "—" if n is None else f"{n:,}"


def _usd(n: int | None) -> str:
    return "—" if n is None else f"${n:,}"


def _roi(value: int | None, cost: int | None) -> str:
    if value is None or not cost:
        return "—"
    return str((Decimal(value) / Decimal(cost)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)) + "×"


def _reason(code: str | None, what: str) -> str:
    return REASONS.get(code or "", "not available").format(what=what)


def _token_headers() -> tuple[str, ...]:
    return tuple(c.replace("_", " ") + " tokens" for c in TOKEN_CLASSES)


def summary_blocks(doc: dict, notes: list[str] | tuple = (), exact_bytes: bytes | None = None) -> list[Block]:
    t = doc["totals"]
    blocks = [
        Block("h1", f"Team summary {doc['week']}"),
        Block("p", f"Member {doc['member'][:12]}… (pseudonymous; team {doc['team']}). "
                   f"Generated {doc['generated_at']}; week {'complete' if doc['complete'] else 'still in progress'}. "
                   f"Costs are estimates in whole US dollars; counts are rounded to three significant digits."),
        Block("h2", "Totals"),
        Block("table", headers=("Cost", "Requests", "Unpriced requests", *_token_headers()),
              rows=((_usd(t["cost_usd"]), _num(t["requests"]), _num(t["unpriced_requests"]),
                     *(_num(t["tokens"][c]) for c in TOKEN_CLASSES)),)),
        Block("h2", "By provider and model family"),
    ]
    if doc["models"]:
        blocks.append(Block("table", headers=("Provider", "Family", "Cost", "Requests", "Input", "Cache read",
                                              "Cache write", "Output"),
                            rows=tuple((m["provider"], m["family"], _usd(m["cost_usd"]), _num(m["requests"]),
                                        *(_num(m["tokens"][c]) for c in TOKEN_CLASSES[:4])) for m in doc["models"])))
    else:
        blocks.append(Block("p", "No usage this week."))
    blocks.append(Block("h2", "ROI by team category"))
    roi = doc["roi"]
    if roi["available"]:
        blocks.append(Block("table", headers=("Category", "Cost", "Value", "ROI"),
                            rows=tuple((c["category"], _usd(c["cost_usd"]), _usd(c["value_usd"]),
                                        _roi(c["value_usd"], c["cost_usd"])) for c in roi["categories"])))
    else:
        blocks.append(Block("p", f"Not included: {_reason(roi['reason'], 'value/ROI')}."))
    blocks.append(Block("h2", "Nudge adoption"))
    n = doc["nudges"]
    if n["available"]:
        blocks.append(Block("p", f"{n['open']} open, {n['switched']} switched; realised savings "
                                 f"{_usd(n['realised_weekly_savings_usd'])} per week."))
    else:
        blocks.append(Block("p", f"Not included: {_reason(n['reason'], 'nudges')}."))
    if notes:
        blocks.append(Block("h2", "Notes (shown to you only, not sent)"))
        blocks.extend(Block("p", note) for note in notes)
    if exact_bytes is not None:
        blocks.append(Block("h2", "Exactly what will be sent"))
        blocks.append(Block("code", exact_bytes.decode()))
    return blocks


def report_blocks(report: dict) -> list[Block]:
    """The merged team report (already k-suppressed by team_merge)."""
    k = report["k"]
    blocks = [
        Block("h1", "Team report"),
        Block("p", (f"{report['files']['merged']} summary file(s) merged from " if "merged" in report["files"]
                    else "Summaries merged from ")
              + f"{report['members_label']} over {len(report['weeks'])} week(s). Breakdowns with fewer than {k} "
                "members are suppressed. Costs are estimated, in whole US dollars."),
    ]
    t = report["totals"]
    blocks.append(Block("h2", "Totals"))
    if t.get("suppressed"):
        blocks.append(Block("p", f"Suppressed: fewer than {k} members."))
    else:
        blocks.append(Block("table", headers=("Cost", "Requests", *_token_headers()),
                            rows=((_usd(t["cost_usd"]), _num(t["requests"]),
                                   *(_num(t["tokens"][c]) for c in TOKEN_CLASSES)),)))
    d = report["distribution"]
    blocks.append(Block("h2", "Cost per member per week"))
    if d.get("suppressed"):
        blocks.append(Block("p", f"Suppressed: fewer than {k} members."))
    else:
        blocks.append(Block("table", headers=("p25", "median", "p75"),
                            rows=((_usd(d["p25_usd"]), _usd(d["median_usd"]), _usd(d["p75_usd"])),)))
    blocks.append(Block("h2", "Model mix"))
    blocks.append(_rows_or_none(report["models"], ("Provider", "Family", "Cost", "Share of cost", "Requests"),
                                lambda m: (m["provider"], m["family"], _usd(m["cost_usd"]), m["cost_share"],
                                           _num(m["requests"]))))
    blocks.append(Block("h2", "ROI by team category"))
    blocks.append(_rows_or_none(report["roi"], ("Category", "Cost", "Value", "ROI"),
                                lambda c: (c["category"], _usd(c["cost_usd"]), _usd(c["value_usd"]),
                                           _roi(c["value_usd"], c["cost_usd"]))))
    n = report["nudges"]
    blocks.append(Block("h2", "Nudge adoption"))
    if n.get("suppressed"):
        blocks.append(Block("p", f"Suppressed: fewer than {k} members reported nudges."))
    else:
        blocks.append(Block("p", f"{n['open']} open, {n['switched']} switched; realised savings "
                                 f"{_usd(n['realised_weekly_savings_usd'])} per week."))
    blocks.append(Block("h2", "Trend by week"))
    blocks.append(_rows_or_none(report["trend"], ("Week", "Cost", "p25", "median", "p75"),
                                lambda w: (w["week"], *(("suppressed",) * 4 if w.get("suppressed") else
                                           (_usd(w["cost_usd"]), _usd(w["p25_usd"]), _usd(w["median_usd"]),
                                            _usd(w["p75_usd"]))))))
    if report["suppressed"]:
        blocks.append(Block("h2", "Suppressed"))
        blocks.extend(Block("p", s) for s in report["suppressed"])
    if report["problems"]:
        blocks.append(Block("h2", "Files not merged"))
        blocks.extend(Block("p", f"{p['file']}: {p['error']}") for p in report["problems"])
    return blocks


def _rows_or_none(rows: list[dict], headers: tuple[str, ...], cells) -> Block:
    if not rows:
        return Block("p", "Nothing to show (or all of it suppressed).")
    return Block("table", headers=headers, rows=tuple(tuple(str(c) for c in cells(r)) for r in rows))


# -- output formats -----------------------------------------------------------
def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "h1":
            out.append(f"# {b.text}")
        elif b.kind == "h2":
            out.append(f"## {b.text}")
        elif b.kind == "p":
            out.append(b.text)
        elif b.kind == "table":
            out.append("| " + " | ".join(map(_md_cell, b.headers)) + " |")
            out.append("|" + "---|" * len(b.headers))
            out.extend("| " + " | ".join(map(_md_cell, row)) + " |" for row in b.rows)
        elif b.kind == "code":
            out.append("```json\n" + b.text.rstrip("\n") + "\n```")
        out.append("")
    return "\n".join(out)


def to_html(blocks: list[Block]) -> str:
    e = html.escape
    out = ["<html><body>"]
    for b in blocks:
        if b.kind in ("h1", "h2"):
            out.append(f"<{b.kind}>{e(b.text)}</{b.kind}>")
        elif b.kind == "p":
            out.append(f"<p>{e(b.text)}</p>")
        elif b.kind == "table":
            out.append('<table border="1" cellspacing="0" cellpadding="3">')
            out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in b.headers) + "</tr>")
            out.extend("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in b.rows)
            out.append("</table>")
        elif b.kind == "code":
            out.append(f"<pre>{e(b.text)}</pre>")
    out.append("</body></html>")
    return "\n".join(out)


def slack_text(doc: dict) -> str:
    """A short Slack-compatible message (mrkdwn) for one summary."""
    t = doc["totals"]
    lines = [f"*Tracker team summary {doc['week']}* (member {doc['member'][:8]})",
             f"Cost ${t['cost_usd']:,} (estimated), {t['requests']:,} requests"]
    for m in doc["models"][:8]:
        lines.append(f"• {m['provider']} {m['family']}: ${m['cost_usd']:,}")
    n = doc["nudges"]
    if n["available"]:
        lines.append(f"Nudges: {n['open']} open, {n['switched']} switched, "
                     f"${n['realised_weekly_savings_usd']:,}/week realised")
    return "\n".join(lines)
