"""A setting that holds one of a few named choices (the tray badge, the appearance): read with its
default when unset or unknown, refused with a sentence when set to anything else."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.storage import Store


@dataclass(frozen=True)
class ChoiceSetting:
    key: str
    choices: tuple[str, ...]
    what: str  # for the refusal: "The tray badge shows", "The appearance is"

    @property
    def default(self) -> str:
        return self.choices[0]

    def get(self, store: Store) -> str:
        value = store.get_setting(self.key)
        return value if value in self.choices else self.default

    def set(self, store: Store, value: str) -> None:
        if value not in self.choices:
            raise ValueError(f"{self.what} one of {', '.join(self.choices)}, not {value!r}.")
        store.set_setting(self.key, value)
