"""Sahaya's action server: small modules by capability (see docs/architecture.md)."""
