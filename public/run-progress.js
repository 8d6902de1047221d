// Live progress on a run page. The page is complete without this script (it reloads itself when
// scripting is off); with it, the figures and the bar follow the run's event stream in place, and
// the stream is closed once the run is over. Loaded as a module: nothing here is global.
const section = document.querySelector('#run-progress[data-events]');
if (section && typeof EventSource === 'function') follow(section);

/** Subscribes to the run's events and shows each snapshot; stops at the last one. */
function follow(section) {
  const labels = JSON.parse(section.dataset.stateLabels || '{}');
  const source = new EventSource(section.dataset.events);
  source.addEventListener('message', (event) => {
    const snapshot = JSON.parse(event.data);
    show(snapshot, labels);
    if (snapshot.finished) source.close();
  });
  // A refused or lost stream (the browser retries a dropped one by itself) leaves the figures as they were.
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setText('run-live', 'Live figures stopped. Reload the page to see the latest.');
  });
}

function show(snapshot, labels) {
  for (const key of ['sent', 'failed', 'remaining', 'suppressed', 'unknown']) setText(`run-${key}`, snapshot[key]);
  const done = snapshot.total - snapshot.remaining;
  setText('run-done', done);
  const bar = document.getElementById('run-bar');
  if (bar) {
    bar.max = Math.max(snapshot.total, 1);
    bar.value = done;
  }
  const label = labels[snapshot.state] || snapshot.state;
  setText('run-state', label);
  setText('run-rate', snapshot.rate.toFixed(1));
  setText('run-eta', snapshot.etaSeconds === null ? '' : `; about ${formatDuration(snapshot.etaSeconds)} to go`);
  const pace = document.getElementById('run-pace');
  if (pace) pace.hidden = snapshot.finished;
  if (snapshot.finished) setText('run-live', `${label}. Reload the page to see each delivery's last reply.`);
}

function setText(id, value) {
  const element = document.getElementById(id);
  if (element) element.textContent = String(value);
}

/** "42 s", "3 min 20 s", "2 h 5 min", as the page writes it (formatDuration in sending.views.tsx). */
function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
