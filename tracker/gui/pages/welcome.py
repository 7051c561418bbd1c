"""First run with nothing to show: say what was looked for, and offer the settings and the demo."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QWidget

from tracker.core.wording import counted
from tracker.gui.components import EmptyState
from tracker.gui.model import DashboardModel
from tracker.services.agent_logs import agent_log_status
from tracker.services.settings import list_sources
from tracker.services.source_names import PROVIDER_NAMES

WELCOME_MAX_PX = 640  # a paragraph wider than this is hard to read


class WelcomePage(QWidget):
    def __init__(self, model: DashboardModel, parent=None):
        super().__init__(parent)
        self.model = model
        layout = QHBoxLayout(self)
        self.state = EmptyState("Welcome to Tracker", "")
        self.state.setMaximumWidth(WELCOME_MAX_PX)
        self.state.title.setObjectName("pageTitle")
        layout.addStretch(1)
        layout.addWidget(self.state, stretch=4)
        layout.addStretch(1)
        self.settings_button = self.state.add_button("Add a provider account…", model.settingsRequested, primary=True)
        self.demo_button = self.state.add_button("Try the demo", lambda: model.demoRequested.emit(True))
        self.import_button = self.state.add_button("Look for agent logs again", model.syncRequested)
        model.statusChanged.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """What was found: the accounts (working or failing) and where each agent's logs were looked for."""
        if self.model.closed:  # the app shut down (a switch to the demo): its store may be closed
            return
        store = self.model.ctx.store
        accounts = list_sources(store)
        failing = {p.where for p in self.model.status.problems}
        if accounts:
            names = ", ".join(f"{PROVIDER_NAMES.get(a.kind, a.kind)} '{a.label}'" for a in accounts)
            broken = [n for n in names.split(", ") if n in failing]
            said = (f"{counted(len(accounts), 'provider account')} set up ({names}) "
                    + (f"but failing: {', '.join(broken)}; see the banner above." if broken
                       else "that returned no usage yet."))
        else:
            said = "No provider account is set up."
        agents = [a for a in agent_log_status(store) if not a.from_files]
        found = [a.name for a in agents if a.found]
        logs = (f"Agent logs were found for {', '.join(found)}, with no usage in them yet." if found else
                f"No agent logs were found on this computer: Tracker looked where {len(agents)} coding agents "
                "keep theirs (Settings lists each place, and the variable that moves it).")
        self.state.set_text("Welcome to Tracker",
                            f"No usage yet. {said} {logs}\n\nAdd a provider account, or look around with generated "
                            "demo data first (kept apart from your own).")
