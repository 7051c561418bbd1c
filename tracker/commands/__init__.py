"""Every `tracker` subcommand, registered in one list (add new modules here)."""

from tracker.commands.import_cmd import import_command
from tracker.commands.paths_cmd import paths_command
from tracker.commands.report_cmd import report_command
from tracker.commands.reprice_cmd import reprice_command

COMMANDS = [paths_command, report_command, reprice_command]
COMMANDS.append(import_command)
