"""Fixtures for the publish-time checks tests."""

from .helpers import shared_data  # noqa: F401
