"""Every `tracker` subcommand, registered in one table (add new commands here).

name -> "module:attribute" of the click command. The CLI imports a command's
module only when that command runs (or for `tracker --help`, which lists them
all), so `tracker import` does not pay for the imports of every other command.
"""

COMMANDS: dict[str, str] = {
    "paths": "tracker.commands.paths_cmd:paths_command",
    "import": "tracker.commands.import_cmd:import_command",
    "report": "tracker.commands.report_cmd:report_command",
    "reprice": "tracker.commands.reprice_cmd:reprice_command",
    "nudges": "tracker.commands.nudges_cmd:nudges_command",
    "sources": "tracker.commands.sources_cmd:sources_group",
    "poll": "tracker.commands.poll_cmd:poll_command",
    "tags": "tracker.commands.value_cmd:tags_group",
    "value": "tracker.commands.value_cmd:value_group",
    "roi": "tracker.commands.value_cmd:roi_command",
    "alerts": "tracker.commands.value_cmd:alerts_group",
    "summary": "tracker.commands.summary_cmd:summary_group",
    "export-events": "tracker.commands.machines_cmd:export_events_command",
    "import-events": "tracker.commands.machines_cmd:import_events_command",
    "invoice": "tracker.commands.invoice_cmd:invoice_command",
    "db": "tracker.commands.db_cmd:db_group",
    "plans": "tracker.commands.plans_cmd:plans_group",
    "limits": "tracker.commands.plans_cmd:limits_command",
}
