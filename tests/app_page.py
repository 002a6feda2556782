"""Open one of the app's pages in Streamlit's AppTest the way a link does: through the entry script
(its navigation and sidebar), with the URL's query parameters."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def run_app(page: str | None = None, timeout: float = 60, **params) -> AppTest:
    """The entry script run with the URL's query parameters, then `page` (e.g. "app_pages/jobs.py")
    when given; fails the test on any exception the page shows."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_app_page(page: str, timeout: float = 120, **params) -> AppTest:
    """`page` (e.g. "app_pages/annotations.py") after a first run of the entry script; fails the test
    on any exception the page shows."""
    return run_app(page, timeout, **params)
