"""Volunteer roster import/export (SPEC 4.3): template, streaming import, masked export."""
