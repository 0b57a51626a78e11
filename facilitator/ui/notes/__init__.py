"""Progress notes in the UI: the author's notes queue and editor, the supervisor's review."""
