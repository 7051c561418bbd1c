"""Every `tracker` subcommand, registered in one list (add new modules here)."""

from tracker.commands.paths_cmd import paths_command
from tracker.commands.poll_cmd import poll_command
from tracker.commands.report_cmd import report_command
from tracker.commands.reprice_cmd import reprice_command
from tracker.commands.sources_cmd import sources_group

COMMANDS = [paths_command, report_command, reprice_command]
COMMANDS += [sources_group, poll_command]  # providers
