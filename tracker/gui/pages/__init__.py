"""Dashboard pages: self-contained widgets the main window registers."""
