"""Writes of the evaluation, one module per sub-domain (ARCHITECTURE: services)."""
