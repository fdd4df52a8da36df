"""Shared test settings: Prefect offline and quiet, before anything imports it."""

from eig.prefect_env import apply_defaults

apply_defaults()

# CI runs the property tests on a fixed sequence of examples (a failure is then
# reproducible from the log); developers get fresh random examples on every run.
import os  # noqa: E402

from hypothesis import settings  # noqa: E402

# The test workers already take every core: PDFs render in place, not in a pool of
# processes per worker (tests/unit/test_render_pool.py asks for one where it tests it).
os.environ.setdefault("EIG_RENDER_PROCESSES", "1")

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(items: list) -> None:
    """The real-server tests first: mostly waiting on their server, they are the longest
    (pytest-xdist hands them to one worker at once while the others take the rest)."""
    items.sort(key=lambda item: item.get_closest_marker("prefect_server") is None)
