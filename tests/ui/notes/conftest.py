"""The notes clinic of the service tests (an ended block, Tara, Uma, Sam) for UI tests."""

from tests.services.notes.conftest import nc  # noqa: F401 - re-exported fixture
