"""Administration pages: staff accounts and the audit log."""
