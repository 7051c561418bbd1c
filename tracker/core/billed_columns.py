"""The breakdown columns of a provider's billed line (core.records.BilledLine), by name: what the store keys
a billed line by. Apart from the records' classes so that the store loads without the dataclasses machinery
(~5 ms of every command's start-up, with the inspect module it loads)."""

BILLED_BREAKDOWNS = ("api_key_id", "cost_type", "token_type", "service_tier", "context_window", "inference_geo")
