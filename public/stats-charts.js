// Charts of the statistics page, drawn with Chart.js (/assets/chart.umd.min.js, loaded before this
// module) from each canvas's `data-chart` attribute. The page is complete without this script:
// every chart has a table of the same figures after it. The two series never differ by colour
// alone: successful attempts are a solid line with round points (solid bars), failed attempts a
// dashed line with triangles (hatched bars), and the legend shows those marks. The series' names
// come translated from the page (`spec.series`), so the legend speaks the reader's language.
const SUCCESS = '#2e7d32';
const FAILURE = '#c62828';

if (typeof Chart === 'function') {
  for (const canvas of document.querySelectorAll('canvas[data-chart]')) draw(canvas, JSON.parse(canvas.dataset.chart));
}

function draw(canvas, spec) {
  const config = spec.kind === 'daily' ? daily(spec) : perMailing(spec);
  config.options = {
    animation: false,
    responsive: true,
    // The legend keeps the datasets' order (Chart.js would follow the drawing order otherwise).
    plugins: { legend: { labels: { usePointStyle: true, sort: (a, b) => a.datasetIndex - b.datasetIndex } } },
    ...config.options,
  };
  new Chart(canvas, config);
  canvas.dataset.drawn = 'true';
  // The table of the same figures stays one click away; without this script it stays open.
  const table = canvas.closest('section')?.querySelector('details.chart-table');
  if (table) table.open = false;
}

/** Successful vs failed attempts per day: two lines told apart by dash and point shape. */
function daily(spec) {
  return {
    type: 'line',
    data: {
      labels: spec.labels,
      datasets: [
        // The failed line is drawn last (lowest order), so where the two meet its dashes and triangles show on top.
        line(spec.series.successful, spec.successful, SUCCESS, { pointStyle: 'circle', borderDash: [], order: 1 }),
        line(spec.series.failed, spec.failed, FAILURE, { pointStyle: 'triangle', borderDash: [6, 4], order: 0 }),
      ],
    },
    options: { aspectRatio: 3, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  };
}

function line(label, data, color, style) {
  return { label, data, borderColor: color, backgroundColor: color, pointRadius: 4, borderWidth: 2, ...style };
}

/** Successful vs failed attempts per mailing: horizontal stacked bars, the failed part hatched. */
function perMailing(spec) {
  return {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: [
        { label: spec.series.successful, data: spec.successful, backgroundColor: SUCCESS, borderColor: SUCCESS, borderWidth: 1 },
        { label: spec.series.failed, data: spec.failed, backgroundColor: hatch(FAILURE), borderColor: FAILURE, borderWidth: 2 },
      ],
    },
    options: {
      indexAxis: 'y',
      // Room for each bar whatever the number of mailings.
      aspectRatio: Math.min(8, Math.max(1, 16 / spec.labels.length)),
      plugins: { legend: { labels: { usePointStyle: false, sort: (a, b) => a.datasetIndex - b.datasetIndex } } },
      scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
    },
  };
}

/** Diagonal stripes of `color` on white, as a fill that reads without colour. */
function hatch(color) {
  const tile = document.createElement('canvas');
  tile.width = 8;
  tile.height = 8;
  const g = tile.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, 8, 8);
  g.strokeStyle = color;
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(0, 8);
  g.lineTo(8, 0);
  g.moveTo(-2, 2);
  g.lineTo(2, -2);
  g.moveTo(6, 10);
  g.lineTo(10, 6);
  g.stroke();
  return g.createPattern(tile, 'repeat');
}
