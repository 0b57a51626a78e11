"""Facilitator: an offline console for therapists leading Intensive Outpatient Program groups."""

__version__ = "0.1.0"
APP_NAME = "Facilitator"
