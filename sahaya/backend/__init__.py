"""Sahaya's service backend: the departments' back office over HTTP.

`create_app()` in sahaya.backend.app builds the FastAPI application;
`python -m sahaya.backend.cli` runs it and the operator commands.
"""
