"""PDF rendering with ReportLab (later issues: notes, session packets, chart exports)."""
