"""End to end in a real browser: Debian's Chromium (headless, driven by Playwright) against `assistant serve`
over a store prepared by running the pipeline on the bundled sample (suggest mode, demo clock).
Accepts a suggestion, snoozes one, edits a booked one, marks it done, and checks each side effect on the
.ics calendar, the calendar feed and the store. Every page is laid out at phone and desktop widths and fails
on horizontal overflow, on text squeezed into a sliver and on overlapping header items; screenshots of every
page at every width go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.servers import missing

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
NOW_TEXT = "2026-11-20T09:00"
WIDTHS = (360, 390, 768, 1280)  # the smallest phones, an iPhone, a small tablet, a laptop

# What a page must not do at any width, measured in the page (by Playwright, not by the page: it runs no script).
LAYOUT_PROBLEMS = """() => {
  const vw = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const out = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) out.push(`the page scrolls sideways: scrollWidth ${doc.scrollWidth} > ${vw}`);
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.width > vw + 0.5 || r.right > vw + 0.5 || r.left < -0.5)
      out.push(`${name(el)} is wider than the screen or off it: ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
  }
  // text in a sliver: a promise or a cell of text narrower than a third of the screen wraps word by word
  for (const el of document.querySelectorAll('blockquote, td.promise, .lead, .empty, .flash')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.width < Math.min(200, vw / 3)) out.push(`${name(el)} is squeezed to ${Math.round(r.width)} px`);
  }
  // header items and tabs overlap no other
  const items = [...document.querySelectorAll('header.top .brand, header.top nav a, header.top .who')];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    const a = items[i].getBoundingClientRect(), b = items[j].getBoundingClientRect();
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      out.push(`${name(items[i])} "${items[i].textContent.trim()}" overlaps ${name(items[j])} "${items[j].textContent.trim()}"`);
  }
  return out.slice(0, 15);
}"""

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=missing("chromium")),
]


def _sample_config(out: Path) -> Path:
    """The bundled sample's config, copied under `out`, in suggest mode, with its store and calendar in `out`."""
    import shutil

    from assistant.demo import SAMPLE_DIR

    sample = out / "sample"
    shutil.copytree(SAMPLE_DIR, sample, ignore=shutil.ignore_patterns("__pycache__"))
    text = (sample / "config.toml").read_text(encoding="utf-8")
    text, n = re.subn(r'(?m)^mode\s*=\s*"book".*$', 'mode = "suggest"', text)
    assert n == 1, "the sample config changed: it should have one account in book mode"
    text, n = re.subn(r'(?m)^path\s*=\s*".*followups\.ics"', f'path = "{out / "followups.ics"}"', text)
    assert n == 1
    text, n = re.subn(r'(?m)^out_dir\s*=\s*".*"', f'out_dir = "{out / "reports"}"', text)
    assert n == 1
    text += f'\n[store]\npath = "{out / "store.sqlite3"}"\n'
    path = sample / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from assistant.calendars import open_calendar
    from assistant.clock import fixed_clock, parse_now
    from assistant.config import load_config
    from assistant.pipeline import after_sync
    from assistant.store import open_store
    from assistant.watcher import open_source, sync_account

    out = tmp_path_factory.mktemp("browser")
    config_path = _sample_config(out)
    config = load_config(config_path)
    now = parse_now(NOW_TEXT, config.rep.timezone)
    with open_store(config.store_path) as store:
        for account in config.accounts:
            source = open_source(account, config)
            try:
                sync_account(store, source, config, fixed_clock(now))
            finally:
                source.close()
        after_sync(store, config, now, writer=open_calendar(config, fixed_clock(now)))
        assert len(store.suggestions(["suggested"])) >= 2, "the sample should leave follow-ups to review"
    # the server keeps its tokens in the config dir: a temp one (the autouse fixture is per test, this is per module)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "FOLLOW_THROUGH_CONFIG_DIR": str(out / "config"),
           "FOLLOW_THROUGH_DATA_DIR": str(out / "data")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", "0", "--config", str(config_path), "--now", NOW_TEXT],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+/\?token=[\w-]+)", line)
        assert m, f"no URL printed: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        feed_line = proc.stdout.readline()
        feed = re.search(r"(http://127\.0\.0\.1:\d+/calendar\.ics\?token=[\w-]+)", feed_line)
        assert feed, f"no calendar address printed: {feed_line!r}"
        yield {"url": m.group(1), "feed": feed.group(1), "config": config, "now": now, "out": out, "env": env}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run"])
        try:
            yield b
        finally:
            b.close()


def check_layout(page: Any, name: str) -> None:
    """The current page at every width: no sideways scrolling, nothing off screen, no squeezed text, no
    overlapping header items; a full-page screenshot of each in tests/artifacts/NAME-WIDTH.png."""
    problems = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        found = page.evaluate(LAYOUT_PROBLEMS)
        if found:
            problems[width] = found
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, f"{name}: {problems}"


def test_review_in_the_browser(served: dict[str, Any], browser: Any) -> None:
    from assistant.calendars.ics import IcsWriter
    from assistant.models import StepState
    from assistant.store import open_store

    config = served["config"]
    tz = ZoneInfo(config.rep.timezone)
    ics = IcsWriter(served["out"] / "followups.ics", timezone=config.rep.timezone)
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", lambda dialog: (problems.append("dialog: " + dialog.message), dialog.dismiss()))
    page.set_default_timeout(60_000)  # a click waits on a server page render; a loaded 2-core box took over 15 s once

    page.goto(served["url"])
    assert page.url.endswith("/") and "token=" not in page.url  # the token became a cookie
    rows = page.locator("#queue tbody tr")
    assert rows.count() >= 2
    check_layout(page, "queue")

    # accept the first suggestion: it goes on the calendar
    first = rows.nth(0)
    accepted = first.get_attribute("data-suggestion")
    first.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert "Accepted" in page.locator(".flash.ok").inner_text()
    assert accepted in ics.uids()
    assert page.locator(f'#booked tr[data-suggestion="{accepted}"]').count() == 1

    # snooze the next one until the next working day: it leaves the queue
    second = page.locator("#queue tbody tr").nth(0)
    snoozed = second.get_attribute("data-suggestion")
    assert snoozed != accepted
    second.locator('select[name="until"]').select_option("tomorrow")
    second.get_by_role("button", name="Snooze").click()
    page.wait_for_load_state()
    assert "Snoozed until Mon 23 Nov 09:00" in page.locator(".flash.ok").inner_text()
    assert page.locator(f'#queue tr[data-suggestion="{snoozed}"]').count() == 0
    assert page.locator(f'#snoozed tr[data-suggestion="{snoozed}"]').count() == 1  # listed, not vanished
    assert page.locator(f'#snoozed tr[data-suggestion="{snoozed}"] td.when').inner_text().split() == [
        "Mon", "23", "Nov", "09:00"]  # when it comes back
    assert snoozed not in ics.uids()

    # move the accepted follow-up: the event on the calendar moves with it
    row = page.locator(f'#booked tr[data-suggestion="{accepted}"]')
    row.locator("summary").click()
    row.locator('input[name="start"]').fill("2026-11-24T10:30")
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Tue 24 Nov 10:30" in page.locator(".flash.ok").inner_text()
    event = ics.get(accepted)
    assert event is not None and event.start.astimezone(tz).replace(tzinfo=None) == datetime(2026, 11, 24, 10, 30)
    assert page.locator(f'#calendar-upcoming tr[data-suggestion="{accepted}"]').count() == 1  # Tue 24 is ahead
    page.locator(f'#booked tr[data-suggestion="{accepted}"] summary').click()  # the edit form open, on every width
    check_layout(page, "queue-after-actions")

    with open_store(config.store_path) as store:
        assert store.suggestion(accepted).state == StepState.ACCEPTED  # type: ignore[union-attr]
        assert store.suggestion(snoozed).state == StepState.SNOOZED  # type: ignore[union-attr]

    # the phone's calendar subscription sees the moved event; the page's link does not open the feed
    with urllib.request.urlopen(served["feed"], timeout=10) as r:
        assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
        feed = r.read().decode("utf-8")
    assert f"UID:{accepted}" in feed and "DTSTART;TZID=America/New_York:20261124T103000" in feed
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(served["feed"].split("?")[0] + "?" + served["url"].split("?")[1], timeout=10)
    assert refused.value.code == 403

    # done: it leaves the page, keeps its event, and the step ends through the state machine
    page.locator(f'#booked tr[data-suggestion="{accepted}"]').get_by_role("button", name="Done").click()
    page.wait_for_load_state()
    assert "Done: " in page.locator(".flash.ok").inner_text()
    assert page.locator(f'tr[data-suggestion="{accepted}"]').count() == 0
    assert accepted in ics.uids()
    with open_store(config.store_path) as store:
        done = store.suggestion(accepted)
        step = store.step(done.commitment_id)  # type: ignore[union-attr]
        # the rep's own promise is kept; a chase of a buyer settled
        assert done.state == (StepState.KEPT if step.owner == "me" else StepState.SETTLED)  # type: ignore[union-attr]

    page.get_by_role("link", name="Deals").click()
    assert page.locator("#deals tbody tr").count() >= 5
    assert page.locator("#deals .badge.stalled").count() >= 1
    check_layout(page, "deals")

    page.get_by_role("link", name="Reports").click()
    page.wait_for_url(re.compile(r"/reports/2026-W47$"))
    assert "Commitment report 2026-W47" in page.locator("h1").inner_text()
    charts = page.locator(".charts img")
    assert charts.count() == 2
    assert all(charts.nth(i).evaluate("img => img.naturalWidth") > 100 for i in range(2))  # the PNGs decoded
    assert page.locator("#vague tbody tr").count() >= 1
    check_layout(page, "report")

    page.get_by_role("link", name="Check a draft").click()
    page.locator("textarea[name=draft]").fill(
        "Hi Ed,\n\nJust checking in on the rollout plan.<script>alert('x')</script>\n\nSam")
    page.get_by_role("button", name="Check").click()
    page.wait_for_load_state()
    assert page.locator("#verdict").inner_text().startswith("No:")
    assert page.locator("#suggestion").inner_text().startswith("Ed, if I haven't heard back by Tuesday")
    check_layout(page, "check")
    assert problems == [], problems  # no CSP violation, no script ran

    page.goto(served["url"].split("?")[0] + "reports/2026-W99")  # (the browser logs the 404 itself)
    assert "404" in page.locator("h1").inner_text()
    check_layout(page, "error")
    page.close()

    stranger = browser.new_page(viewport={"width": 1280, "height": 900})  # no cookie: the sign-in page
    stranger.goto(served["url"].split("?")[0])
    assert "Sign-in needed" in stranger.locator("h1").inner_text()
    check_layout(stranger, "forbidden")

    # the weekly report as `assistant report` writes it (one file, opened from disk or a mail) reads on a phone too
    written = subprocess.run(
        [sys.executable, "-m", "assistant", "report", "--week", "2026-W47", "--out", str(served["out"] / "standalone"),
         "--config", str(served["config"].source_path), "--now", NOW_TEXT],
        capture_output=True, text=True, env=served["env"], timeout=120, check=True)
    stranger.goto(Path(written.stdout.strip().splitlines()[-1]).resolve().as_uri())
    assert "Commitment report 2026-W47" in stranger.locator("h1").inner_text()
    check_layout(stranger, "report-file")
    stranger.close()
