

def test_extra_import_folders_are_read_with_the_defaults(tmp_path, tracker_home):
    """A folder added in Settings (a copy of ~/.claude) is imported beside the agents' own folders."""
    import json as _json

    from tracker.services.context import open_context
    from tracker.services.settings import set_import_folders
    from tracker.services.sync import run_sync

    copy = tmp_path / "backup-of-claude"
    project = copy / "projects" / "-home-me-proj"
    project.mkdir(parents=True)
    line = {"type": "assistant", "timestamp": "2026-05-01T10:00:00.000Z", "sessionId": "s1", "cwd": "/home/me/proj",
            "requestId": "req_1", "message": {"id": "msg_1", "model": "claude-sonnet-4-5",
                                              "usage": {"input_tokens": 10, "output_tokens": 5}}}
    (project / "s1.jsonl").write_text(_json.dumps(line, separators=(",", ":")) + "\n")  # compact, as Claude writes
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    with open_context() as ctx:
        set_import_folders(ctx.store, [str(copy), str(empty)])
        report = run_sync(ctx, providers=False)
        assert report.errors == []
        assert report.logs["events_added"] == 1
        assert any("nothing-here" in note for note in report.logs["notes"])
        assert run_sync(ctx, providers=False).logs["events_added"] == 0
