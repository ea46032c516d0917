import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import type { PageElement } from './browser.ts';
import type { EventsSeries } from './series.ts';

// Only what a stacked bar chart with legend and tooltips needs: keeps the bundle small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569'];

/** A colour per type that stays the same across refreshes, whatever other types come and go. */
function colourOf(type: string): string {
  let hash = 0;
  for (const char of type) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return PALETTE[hash % PALETTE.length] ?? '#475569';
}

const minuteLabel = (window: string): string =>
  new Date(window).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * Events per minute as stacked bars, one dataset per type. After each draw the canvas carries
 * `data-types` (the drawn types, JSON) and `data-total`, which the end-to-end test reads.
 *
 * @example
 * const chart = eventsChart(byId('events-chart'));
 * chart.show(eventsSeries(rows, lastWindows(Date.now(), 60)));
 */
export function eventsChart(canvas: PageElement) {
  const chart = new Chart<'bar', number[], string>(canvas as never, {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      // Redrawn every 5 s: animations would only flicker.
      animation: false,
      scales: {
        x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } },
        y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  return {
    show(series: EventsSeries): void {
      chart.data.labels = series.windows.map(minuteLabel);
      chart.data.datasets = series.datasets.map(({ type, counts }) => ({
        label: type,
        data: counts,
        backgroundColor: colourOf(type),
      }));
      chart.update();
      canvas.dataset.types = JSON.stringify(series.datasets.map(({ type }) => type));
      canvas.dataset.total = String(series.total);
    },
  };
}
