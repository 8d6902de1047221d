// Live progress on a run page. The page is complete without this script (it reloads itself when
// scripting is off); with it, the figures and the bar follow the run's event stream in place, and
// the stream is closed once the run is over. Loaded as a module: nothing here is global.
// Its texts come from the page, in the reader's language (data-state-labels, data-texts).

/** The texts when the page gives none (an older page still open while Herald was updated). */
const englishTexts = {
  seconds: '{{s}} s',
  minutes: '{{m}} min {{s}} s',
  hours: '{{h}} h {{m}} min',
  eta: '; about {{duration}} to go',
  stopped: 'Live figures stopped. Reload the page to see the latest.',
  finished: "{{state}}. Reload the page to see each delivery's last reply.",
};

const section = document.querySelector('#run-progress[data-events]');
if (section && typeof EventSource === 'function') follow(section);

/** Subscribes to the run's events and shows each snapshot; stops at the last one. */
function follow(section) {
  const labels = JSON.parse(section.dataset.stateLabels || '{}');
  const texts = { ...englishTexts, ...JSON.parse(section.dataset.texts || '{}') };
  const language = document.documentElement.lang || 'en';
  const numbers = new Intl.NumberFormat(language);
  const rates = new Intl.NumberFormat(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const words = { labels, texts, numbers, rates };
  const source = new EventSource(section.dataset.events);
  source.addEventListener('message', (event) => {
    const snapshot = JSON.parse(event.data);
    show(snapshot, words);
    if (snapshot.finished) source.close();
  });
  // A refused or lost stream (the browser retries a dropped one by itself) leaves the figures as they were.
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) setText('run-live', texts.stopped);
  });
}

/** Puts values into a text's {{placeholders}}. */
function fill(text, values) {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (match, name) => (name in values ? String(values[name]) : match));
}

function show(snapshot, { labels, texts, numbers, rates }) {
  for (const key of ['sent', 'failed', 'remaining', 'suppressed', 'unknown']) {
    setText(`run-${key}`, numbers.format(snapshot[key]));
  }
  const done = snapshot.total - snapshot.remaining;
  setText('run-done', numbers.format(done));
  const bar = document.getElementById('run-bar');
  if (bar) {
    bar.max = Math.max(snapshot.total, 1);
    bar.value = done;
  }
  const label = labels[snapshot.state] || snapshot.state;
  setText('run-state', label);
  setText('run-rate', rates.format(snapshot.rate));
  const eta = snapshot.etaSeconds === null ? '' : fill(texts.eta, { duration: formatDuration(snapshot.etaSeconds, texts) });
  setText('run-eta', eta);
  const pace = document.getElementById('run-pace');
  if (pace) pace.hidden = snapshot.finished;
  if (snapshot.finished) setText('run-live', fill(texts.finished, { state: label }));
}

function setText(id, value) {
  const element = document.getElementById(id);
  if (element) element.textContent = String(value);
}

/** "42 s", "3 min 20 s", "2 h 5 min", as the page writes it (formatDuration in sending.views.tsx). */
function formatDuration(totalSeconds, texts) {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 60) return fill(texts.seconds, { s });
  if (s < 3600) return fill(texts.minutes, { m: Math.floor(s / 60), s: s % 60 });
  return fill(texts.hours, { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
}
