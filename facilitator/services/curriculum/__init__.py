"""Curriculum use cases (Qt-free): library sync and browsing, clinic authoring, packs, rotation
plans, deliveries, coverage and suggestions. Import the feature modules directly, e.g.
``from facilitator.services.curriculum import planning``."""
