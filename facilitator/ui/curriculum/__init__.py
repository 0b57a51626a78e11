"""Curriculum UI: library browser, rotation plan editor, participant coverage, presenter view."""
