/* Entry module of a job's page (/jobs/{jobId}?f=html): while the job is accepted or running, reads its status
   (/jobs/{jobId}, JSON, with the page's session) every 1.5 s and moves the progress bar; when it has finished,
   loads the page again to show its results. Text is written as text, never HTML. */
const section = document.querySelector("section.job");
const POLL_MS = 1500;

function show(status) {
  const bar = document.getElementById("job-progress");
  const percent = document.getElementById("job-percent");
  if (bar) { bar.value = status.progress || 0; bar.textContent = `${status.progress || 0} %`; }
  if (percent) { percent.textContent = String(status.progress || 0); }
}

async function poll() {
  const response = await fetch(`/jobs/${encodeURIComponent(section.dataset.job)}?f=json`,
                               {headers: {Accept: "application/json"}, credentials: "same-origin"});
  if (!response.ok) { return; }
  const status = await response.json();
  show(status);
  if (status.status === "accepted" || status.status === "running") {
    window.setTimeout(poll, POLL_MS);
  } else {
    window.location.reload();
  }
}

if (section && (section.dataset.status === "accepted" || section.dataset.status === "running")) {
  window.setTimeout(poll, POLL_MS);
}
