"""Every `tracker` subcommand, registered in one list (add new modules here)."""

from tracker.commands.db_cmd import db_group
from tracker.commands.import_cmd import import_command
from tracker.commands.invoice_cmd import invoice_command
from tracker.commands.machines_cmd import MACHINE_COMMANDS
from tracker.commands.nudges_cmd import nudges_command
from tracker.commands.paths_cmd import paths_command
from tracker.commands.poll_cmd import poll_command
from tracker.commands.report_cmd import report_command
from tracker.commands.reprice_cmd import reprice_command
from tracker.commands.sources_cmd import sources_group
from tracker.commands.summary_cmd import summary_group
from tracker.commands.value_cmd import VALUE_COMMANDS

COMMANDS = [paths_command, import_command, report_command, reprice_command, nudges_command]
COMMANDS += [sources_group, poll_command]
COMMANDS += VALUE_COMMANDS
COMMANDS += [summary_group, *MACHINE_COMMANDS, invoice_command]
COMMANDS += [db_group]
