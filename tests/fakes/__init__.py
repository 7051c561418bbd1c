"""Fake provider APIs (real HTTP servers on 127.0.0.1) for tests and for trying the app by hand."""
