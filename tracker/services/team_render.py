"""Rendering a member's figures and the team report as Markdown or HTML.

One renderer for the CLI preview and the GUI: a document is a list of
blocks (heading, paragraph, table, code), turned into Markdown or into HTML
(every text escaped). The member's preview shows the figures the masks hide
and, once the week is shared, the exact file that was written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.services.team_summary import REASONS
from tracker.services.team_vector import TOKEN_CLASSES


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


def _usd_text(text: str | None) -> str:
    """A decimal dollar string shown to the cent."""
    if text is None:
        return "—"
    return f"${Decimal(text).quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,}"


def _roi(value: int | None, cost: int | None) -> str:
    if value is None or not cost:
        return "—"
    return str((Decimal(value) / Decimal(cost)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)) + "×"


def _reason(code: str | None, what: str) -> str:
    return REASONS.get(code or "", "not available").format(what=what)


def _token_headers() -> tuple[str, ...]:
    return tuple(c.replace("_", " ").capitalize() + " tokens" for c in TOKEN_CLASSES)


# A cell of figures: an amount, a count, a share, a ratio or a range of amounts ("$20–$50", "$100 or more"), or
# none ("—"). A column whose every cell is one is aligned right, where figures compare by their length.
_FIGURE = re.compile(r"—|[-+]?\$?[\d,]+(\.\d+)?(%|×)?(–\$[\d,]+| or more)?")


def _figure_columns(block: Block) -> list[bool]:
    """Per column of a table block: whether each of its cells is a figure (and one at least is)."""
    columns = list(zip(*block.rows)) if block.rows else [() for _ in block.headers]
    return [any(c != "—" for c in cells) and all(_FIGURE.fullmatch(c) for c in cells) for cells in columns]


def bucket_text(rng: dict) -> str:
    return f"${rng['from_usd']:,}–{_usd(rng['to_usd'])}" if rng["to_usd"] is not None else f"${rng['from_usd']:,} or more"


def values_blocks(doc: dict, notes: list[str] | tuple = (), sent: str | None = None) -> list[Block]:
    """A member's own figures for a week (tracker.team-values/1): what the masks hide."""
    t = doc["totals"]
    blocks = [
        Block("h1", f"Your figures for {doc['week']}"),
        Block("p", "These never leave as they are. What leaves is a masked vector (random-looking numbers) and "
                   "sealed shares of its masks: nobody, whoever merges the team's folder included, can read your "
                   "figures; the team sees only sums of k or more members, once the week is over. "
                   f"Week {'complete' if doc['complete'] else 'still in progress'}; costs are estimates."),
        Block("h2", "Totals"),
        Block("table", headers=("Cost", "Cost bucket", "Requests", "Unpriced requests", *_token_headers()),
              rows=((_usd_text(t["cost_usd"]), bucket_text(doc["cost_bucket"]), _num(t["requests"]),
                     _num(t["unpriced_requests"]), *(_num(t["tokens"][c]) for c in TOKEN_CLASSES)),)),
        Block("h2", "By model family"),
    ]
    if doc["models"]:
        blocks.append(Block("table", headers=("Family", "Cost", "Requests", "Input", "Cache read", "Cache write",
                                              "Output"),
                            rows=tuple((m["family"], _usd_text(m["cost_usd"]), _num(m["requests"]),
                                        *(_num(m["tokens"][c]) for c in TOKEN_CLASSES[:4])) for m in doc["models"])))
    else:
        blocks.append(Block("p", "No usage this week."))
    blocks.append(Block("h2", "ROI by team category"))
    roi = doc["roi"]
    if roi["available"]:
        blocks.append(Block("table", headers=("Category", "Cost", "Value"),
                            rows=tuple((c["category"], _usd_text(c["cost_usd"]), _usd_text(c["value_usd"]))
                                       for c in roi["categories"])))
    else:
        blocks.append(Block("p", f"Not included: {_reason(roi['reason'], 'value/ROI')}."))
    blocks.append(Block("h2", "Nudge adoption"))
    n = doc["nudges"]
    if n["available"]:
        blocks.append(Block("p", f"{n['open']} open, {n['switched']} switched; realised savings about "
                                 f"{_usd_text(n['realised_weekly_savings_usd'])} per week (an estimate)."))
    else:
        blocks.append(Block("p", f"Not included: {_reason(n['reason'], 'nudges')}."))
    if notes:
        blocks.append(Block("h2", "Notes (shown to you only, not sent)"))
        blocks.extend(Block("p", note) for note in notes)
    if sent is not None:
        blocks.append(Block("h2", "Exactly what was written to the team folder"))
        blocks.append(Block("code", sent))
    return blocks


def _range_cells(row: dict) -> tuple[str, ...]:
    return tuple(bucket_text(row[q]) for q in ("p25", "median", "p75"))


def report_blocks(report: dict) -> list[Block]:
    """The team report (only what the protocol published: sums of k or more members)."""
    k = report["k"]
    weeks = report["weeks"]
    blocks = [
        Block("h1", "Team report"),
        Block("p", f"Team {report['team']}: {report['members_label']}"
                   + (f" over {len(weeks)} published week(s)." if weeks else ".")
                   + f" Every figure is a sum over {k} or more members (k is the team's signed setting); "
                     "costs are estimated."),
    ]
    t = report["totals"]
    blocks.append(Block("h2", "Totals"))
    if t.get("suppressed"):
        blocks.append(Block("p", f"Nothing published: fewer than {k} members." if report["members"] is None
                            and not report.get("pending") else "Nothing published yet."))
    else:
        blocks.append(Block("table", headers=("Cost", "Requests", *_token_headers()),
                            rows=((_usd(t["cost_usd"]), _num(t["requests"]),
                                   *(_num(t["tokens"][c]) for c in TOKEN_CLASSES)),)))
    d = report["distribution"]
    blocks.append(Block("h2", "Cost per member per week"))
    if d.get("suppressed"):
        blocks.append(Block("p", "Not published."))
    else:
        blocks.append(Block("p", f"Ranges of the team's cost buckets, over {d['member_weeks']} member-weeks."))
        blocks.append(Block("table", headers=("p25", "median", "p75"), rows=(_range_cells(d),)))
    blocks.append(Block("h2", "Model mix"))
    blocks.append(_rows_or_none(report["models"], ("Provider", "Family", "Members", "Cost", "Share of cost",
                                                   "Requests"),
                                lambda m: (m["provider"], m["family"], m["members"], _usd(m["cost_usd"]),
                                           m["cost_share"], _num(m["requests"]))))
    blocks.append(Block("h2", "ROI by team category"))
    blocks.append(_rows_or_none(report["roi"], ("Category", "Members", "Cost", "Value", "ROI"),
                                lambda c: (c["category"], c["members"], _usd(c["cost_usd"]), _usd(c["value_usd"]),
                                           _roi(c["value_usd"], c["cost_usd"]))))
    n = report["nudges"]
    blocks.append(Block("h2", "Nudge adoption"))
    if n.get("suppressed"):
        blocks.append(Block("p", f"Not published: fewer than {k} members reported nudges."))
    else:
        blocks.append(Block("p", f"{n['week']}: {n['open']} open, {n['switched']} switched; realised savings about "
                                 f"{_usd(n['realised_weekly_savings_usd'])} per week ({n['realised_basis']})."))
    blocks.append(Block("h2", "Trend by week"))
    blocks.append(_rows_or_none(report["trend"], ("Week", "Members", "Cost", "p25", "median", "p75"),
                                lambda w: (w["week"], *(("fewer than k",) + ("suppressed",) * 4 if w.get("suppressed")
                                                        else (w["members"], _usd(w["cost_usd"]), *_range_cells(w))))))
    if report.get("pending"):
        blocks.append(Block("h2", "Not published yet"))
        blocks.extend(Block("p", f"{p['week']}: {p['detail']}") for p in report["pending"])
    if report["suppressed"]:
        blocks.append(Block("h2", "Suppressed"))
        blocks.extend(Block("p", s) for s in report["suppressed"])
    blocks.append(Block("h2", "Privacy"))
    blocks.append(Block("p", report["privacy"]["statement"]))
    if report["problems"]:
        blocks.append(Block("h2", "Files not used"))
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
            out.append("|" + "".join("---:|" if right else "---|" for right in _figure_columns(b)))
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
            align = ['align="right"' if right else 'align="left"' for right in _figure_columns(b)]
            out.append('<table border="1" cellspacing="0" cellpadding="3">')
            out.append("<tr>" + "".join(f"<th {a}>{e(h)}</th>" for a, h in zip(align, b.headers)) + "</tr>")
            out.extend("<tr>" + "".join(f"<td {a}>{e(str(c))}</td>" for a, c in zip(align, row)) + "</tr>"
                       for row in b.rows)
            out.append("</table>")
        elif b.kind == "code":
            out.append(f"<pre>{e(b.text)}</pre>")
    out.append("</body></html>")
    return "\n".join(out)


def slack_week_text(report: dict) -> str:
    """A short Slack-compatible message (mrkdwn) for a published week of the team report."""
    lines = [f"*Tracker team report {', '.join(report['weeks'])}* ({report['members_label']})"]
    t = report["totals"]
    if not t.get("suppressed"):
        lines.append(f"Cost ${t['cost_usd']:,} (estimated), {t['requests']:,} requests")
        d = report["distribution"]
        lines.append(f"Per member: median {bucket_text(d['median'])}, p25–p75 {bucket_text(d['p25'])} to "
                     f"{bucket_text(d['p75'])}")
    for m in report["models"][:8]:
        lines.append(f"• {m['family']}: ${m['cost_usd']:,} ({m['cost_share']})")
    n = report["nudges"]
    if not n.get("suppressed"):
        lines.append(f"Nudges: {n['open']} open, {n['switched']} switched, about "
                     f"${n['realised_weekly_savings_usd']:,}/week realised")
    return "\n".join(lines)
