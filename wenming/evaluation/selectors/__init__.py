"""Reads of the evaluation, scoped to the actor (access.py decides who sees what)."""
