"""Render docs/invoice-example.png: the first page of a demo invoice (run from the repository root).

    python -m tests.invoices.render_example

Builds a throw-away database with a month of work for one client: a monthly
retainer, hours (by hand and from a Harvest export), an expense, and AI usage
(per-model contract rates, usage at cost, provider-billed days) in EUR with a 5%
discount and 19% VAT; issues the invoice, exports the client's PDF and
rasterises page 1 with poppler's pdftoppm.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services import invoices_lines as lines
from tracker.services.invoices_profile import update_profile
from tracker.storage import open_store
from tracker.storage.invoices import InvoiceBook

from .helpers import DEMO_CLIENT_BILLING, SELLER, demo_usage, ts

ROOT = Path(__file__).resolve().parents[2]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def make_logo(path: Path) -> None:
    image = Image.new("RGB", (160, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, 159, 159), radius=30, fill=(31, 58, 95))
    font = ImageFont.truetype(FONT, 76) if Path(FONT).exists() else ImageFont.load_default()
    draw.text((80, 82), "JD", fill="white", font=font, anchor="mm")
    image.save(path)


def build(workdir: Path) -> bytes:
    store = open_store(workdir / "example.db")
    try:
        logo = workdir / "logo.png"
        make_logo(logo)
        update_profile(store, **SELLER, logo_path=str(logo))
        book = InvoiceBook(store)
        tag = book.ensure_client_tag("globex")
        book.set_client_billing(tag["id"], DEMO_CLIENT_BILLING | {
            "recurring": [{"label": "Monthly retainer", "amount": "800", "period": "month"}], "hourly_rate": "95"})
        demo_usage(store, tag["id"])
        draft = service.create_draft(store, "globex", date(2026, 11, 1), date(2026, 11, 30), get_zone("UTC"),
                                     notes="Thank you for your business.")
        lines.add_line(store, draft["id"], "hours", "Architecture workshop", hours="4", rate="120",
                       day=date(2026, 11, 2))
        lines.import_time(store, draft["id"], (FIXTURES / "harvest_detailed_time.csv").read_text())
        lines.add_line(store, draft["id"], "expense", "Train ticket Berlin–Hamburg", amount="42.50",
                       day=date(2026, 11, 2))
        issued = service.issue(store, draft["id"], issue_day=date(2026, 12, 1), at_ms=ts("2026-12-01", 9))
        return service.export(store, issued["number"], "pdf")[0]
    finally:
        store.close()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pdf = work / "invoice.pdf"
        pdf.write_bytes(build(work))
        out = ROOT / "docs" / "invoice-example"
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(out)],
                       check=True)
    print(f"wrote {out}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
