"""Starter notebooks that pass the production level."""
