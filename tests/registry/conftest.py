"""Registry fixtures: the app's file store and a reviewer."""

from __future__ import annotations

import pytest

from tests.registry import factories as registry_factories


@pytest.fixture
def staff(db):
    """A reviewer."""
    return registry_factories.reviewer(db)
