"""Every `tracker` subcommand, registered in one list (add new modules here)."""

from tracker.commands.paths_cmd import paths_command
from tracker.commands.report_cmd import report_command
from tracker.commands.reprice_cmd import reprice_command
from tracker.commands.value_cmd import VALUE_COMMANDS

COMMANDS = [paths_command, report_command, reprice_command]
COMMANDS += VALUE_COMMANDS

from tracker.commands.invoice_cmd import invoice_command  # noqa: E402

COMMANDS.append(invoice_command)
