"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium), never a downloaded browser.

Without Chromium they are skipped, except under CI=true, where a missing browser is a failure.
"""

import os
import shutil
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class SerialWSGIServer(ThreadedWSGIServer):
    """The live server, one request at a time inside Django while its request threads share one connection.

    On SQLite the test database is in memory and every request thread uses the test's own connection
    (`connections_override`). Two requests at once on one sqlite3 connection can deadlock inside the sqlite3
    module with every Python thread frozen: seen in CI, where two htmx partials of one page (`pairing_charts`,
    `cases_count`) both stopped in `execute` until the watchdog ended the worker. Connections are still
    accepted in threads (an idle socket of the browser's never blocks the others); the body is read inside
    the lock, as a streamed response may query while it is iterated."""

    def set_app(self, application):
        if not self.connections_override:
            return super().set_app(application)
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    if hasattr(result, "close"):
                        result.close()

        return super().set_app(one_at_a_time)


LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Debian's chromium is not installed (apt-get install chromium); CI requires the browser tests")
        pytest.skip("chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
