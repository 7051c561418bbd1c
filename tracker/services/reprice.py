"""Re-price stored usage on purpose (`tracker reprice`).

History is frozen at ingest; this is the one way to move it, for example after
adding a user price override for a model that was unpriced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from tracker.core.tokens import Tokens
from tracker.core.units import units_from_text
from tracker.pricing import Pricer
from tracker.services.ingest import event_tier_prompt, price_bucket_usage
from tracker.storage import Store


@dataclass
class RepriceResult:
    examined: int = 0
    changed: int = 0
    newly_priced: int = 0
    now_unpriced: int = 0
    unpriced_models: dict[str, int] = field(default_factory=dict)


def reprice(store: Store, pricer: Pricer, since_ms: int | None = None) -> RepriceResult:
    result = RepriceResult()
    for table, batches in (("events", store.iter_event_pricing(since_ms)), ("buckets", store.iter_bucket_pricing(since_ms))):
        for rows in batches:
            updates = []
            for row in rows:
                rowid, model, provider, ts_ms, tier = row[:5]
                tokens = Tokens(*row[5:11])
                requests, old_cost, old_id = row[11], row[12], row[13]
                result.examined += 1
                if old_id and old_id.startswith("reported:"):
                    continue  # a cost the provider reported is not ours to change
                if table == "buckets":
                    batch, extra = row[14], json.loads(row[15]) if row[15] else None
                    units, old_partly, kind = units_from_text(row[16]), row[17], row[18]
                    if tokens.total == 0 and not units and old_cost is None:
                        continue  # nothing here has a price to find
                    priced = price_bucket_usage(pricer, tokens, model, provider, ts_ms, tier, requests, batch,
                                                extra, units, kind)
                else:
                    speed, units, old_partly = row[14], units_from_text(row[15]), row[16]
                    requests = 1 if requests is None else requests
                    priced = pricer.price(tokens, model, provider, ts_ms, tier, requests, speed=speed, units=units,
                                          tier_prompt_tokens=event_tier_prompt(tokens, requests))
                if priced.cost_pico is None:
                    result.unpriced_models[model or "?"] = result.unpriced_models.get(model or "?", 0) + 1
                if (priced.cost_pico, priced.price_id, priced.partly) != (old_cost, old_id, old_partly):
                    result.changed += 1
                    if old_cost is None and priced.cost_pico is not None:
                        result.newly_priced += 1
                    if old_cost is not None and priced.cost_pico is None:
                        result.now_unpriced += 1
                    updates.append((priced.cost_pico, priced.price_id, priced.partly, rowid))
            if updates:
                store.update_costs(table, updates)
    return result
