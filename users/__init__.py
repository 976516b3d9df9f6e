"""The accounts domain: models, services (writes), selectors (reads), tokens."""
