"""The built-in agent-log sources, one plug-in module each (tracker.sources.plugin).

Each module declares `SOURCE` with the standard library only; its reader lives
in tracker.sources.<kind> and is imported when a file of the agent changed.
`KIND` and a module-level `discover` come first, and SOURCE is built the first
time it is asked for (discovery.declared_on_first_use): `tracker import` with
nothing new walks with those alone (registry.builtin_finders).
They are registered in tracker's pyproject.toml under `tracker.sources`, like a
third party's, and listed in tracker.sources.registry.BUILTIN.
"""
