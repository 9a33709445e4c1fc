"""A long batch review shows its progress in the page (issue 24): a signed-in planner opens the page of a running
batch-review job (a replay of a real 400-site run, moved by the test as the job runner moves it, so a fast machine
cannot finish it before the page looks); the progress bar follows the job, and when the job has finished the page
shows the summary and the downloads by itself — at phone, tablet and desktop sizes."""

from __future__ import annotations

import json
import urllib.request
import uuid

from a11y_support import sign_in
from browser_support import pytestmark, screenshot, viewport, wait_shown  # noqa: F401  (pytestmark)
from review_fixtures import generated_sites
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from geo.store.workspace import now_iso
from geo.workspace.jobs import this_worker

SIZES = {"phone": (390, 844), "tablet": (768, 1024), "desktop": (1440, 900)}
PASSWORD = "job-page-password-1"


def start_job(base_url: str, token: str, sites: dict) -> str:
    request = urllib.request.Request(f"{base_url}/processes/batch-review/execution", method="POST",
                                     data=json.dumps({"inputs": {"sites": sites}}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Prefer": "respond-async",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["jobID"]


def replay_running(engine, finished: dict) -> str:
    """A copy of a finished job set back to running at 0 %, owned as the original and run by this process (so it is
    no orphan): the test then moves it as the job runner does, at its own pace, never racing a fast machine."""
    job_id = uuid.uuid4().hex
    engine.insert_job({**{k: finished[k] for k in ("process", "owner", "created", "inputs")}, "id": job_id,
                       "status": "running", "progress": 0, "updated": now_iso(), "worker": this_worker()})
    return job_id


def bar_shows(browser, value: int, status: str = "running"):
    """Until the page (which polls its job) shows the bar at value and the job in status."""
    script = ("var b = document.getElementById('job-progress'), s = document.querySelector('section.job');"
              "return [b ? b.value : null, s ? s.dataset.status : null];")
    WebDriverWait(browser, 30, poll_frequency=0.2).until(lambda d: d.execute_script(script) == [value, status])


def test_the_job_page_follows_the_progress_and_shows_the_summary(app, base_url, browser, gpkg):
    name = f"job_page_{uuid.uuid4().hex[:6]}"
    token = app.extensions["yiwu"].accounts.add_user(name, "viewer", PASSWORD, actor="test")
    browser.get(f"{base_url}/healthz")
    browser.delete_all_cookies()  # signed out, whoever this browser was before
    sign_in(browser, base_url, name, PASSWORD)
    engine = app.extensions["yiwu"].engine
    original = start_job(base_url, token, generated_sites(gpkg, 400))
    WebDriverWait(browser, 180, poll_frequency=0.2).until(
        lambda _: engine.read_jobs(job_id=original)[0]["status"] == "successful")
    finished = engine.read_jobs(job_id=original)[0]
    job_id = replay_running(engine, finished)
    browser.get(f"{base_url}/jobs/{job_id}?f=html")
    bar_shows(browser, 0)
    engine.update_job(job_id, {"progress": 40, "updated": now_iso()}, statuses=("running",))
    bar_shows(browser, 40)  # the bar moves while the job runs
    engine.update_job(job_id, {k: finished[k] for k in ("status", "progress", "finished", "message", "results")}
                      | {"updated": now_iso()}, statuses=("running",))
    summary = wait_shown(browser, "#batch-summary")
    assert summary.text == "审查结果汇总"
    assert "400 个选址" in browser.find_element(By.CSS_SELECTOR, "#batch-summary + p").text
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#batch-sites + .table-box td:nth-child(2)")]
    assert "项目用地位于义乌市域内" in cells and "inside_yiwu" not in " ".join(cells)  # rules by their titles
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "section.job a")]
    assert any(href.endswith("/results?f=csv") for href in links) and any("f=gpkg" in h for h in links)
    for size, (width, height) in SIZES.items():
        with viewport(browser, width, height):
            browser.refresh()
            wait_shown(browser, "#batch-summary")
            assert browser.execute_script("return document.documentElement.scrollWidth") <= width + 1, size
            screenshot(browser, f"job-page-{size}")
