"""DeepSeek: the account balance, polled over time.

DeepSeek has no usage or cost API; spend shows as the balance falling between
two polls, and a rise is a top-up (services.poll.balance_changes derives both).
Amounts are decimal strings in the account currency (CNY or USD), kept exact.
See reference/providers.md section 4.
"""

from __future__ import annotations

from tracker.core.money import usd_to_pico
from tracker.core.provider_records import BalanceSnapshot
from tracker.net import HttpClient, HttpOptions
from tracker.sources.base import BadRecord, Batch, HttpSource, Stream, as_decimal, as_list, as_str

KIND = "deepseek"
DEFAULT_BASE_URL = "https://api.deepseek.com"
BALANCE = Stream("balance", snapshot=True)
FIELDS = {"total_balance": "balance", "granted_balance": "granted", "topped_up_balance": "topped_up"}


class DeepSeekSource(HttpSource):
    kind = KIND
    streams = (BALANCE,)

    def __init__(self, label: str, key: str, base_url: str | None = None, options: HttpOptions | None = None):
        self.label = label
        self.client = HttpClient(base_url or DEFAULT_BASE_URL, {"Authorization": f"Bearer {key}"}, "DeepSeek",
                                 secrets=[key], options=options)

    def test(self) -> str:
        batch = self.snapshot(BALANCE.name, 0)
        currencies = sorted({b.currency for b in batch.balances})
        return f"DeepSeek key accepted: balance readable ({', '.join(currencies) or 'no balance yet'})."

    def fetch(self, stream: str, start_s: int, end_s: int, width_s: int, open_end: bool = False) -> Batch:
        raise ValueError(f"deepseek has no range stream {stream!r}")

    def snapshot(self, stream: str, now_ms: int) -> Batch:
        if stream != BALANCE.name:
            raise ValueError(f"deepseek has no stream {stream!r}")
        doc = self.client.get_json("user/balance")
        batch = Batch()
        try:
            infos = as_list(doc, "balance_infos")
        except BadRecord as exc:
            batch.rejected.append(f"deepseek balance: {exc}")
            return batch
        if doc.get("is_available") is False:
            batch.notes.append("DeepSeek reports no usable balance (is_available is false): top up to keep using it.")
        for info in infos:
            try:
                if not isinstance(info, dict):
                    raise BadRecord("balance entry is not an object")
                currency = (as_str(info.get("currency")) or "").upper()
                if not currency:
                    raise BadRecord("balance entry has no currency")
                for field, metric in FIELDS.items():
                    if info.get(field) is None:
                        continue
                    # usd_to_pico is a pure 1e12 scaling: used for any currency's amount
                    amount = usd_to_pico(as_decimal(info[field], field))
                    batch.balances.append(BalanceSnapshot(KIND, self.label, now_ms, metric, currency, amount))
            except BadRecord as exc:
                batch.rejected.append(f"deepseek balance: {exc}")
        return batch
