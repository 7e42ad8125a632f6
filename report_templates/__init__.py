"""Jinja2 report templates (package data)."""
