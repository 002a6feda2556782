"""Command-line tests run the commands on the data the unit tests of the same features build."""

from test_chaining import sim, ws  # noqa: F401  (tests/unit is on sys.path: pyproject pythonpath)
from test_manifests import images, synced  # noqa: F401
