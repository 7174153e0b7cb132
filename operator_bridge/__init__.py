"""Operator bridge: build one image, wait, then validate in it on Kubernetes (see issue #6)."""
