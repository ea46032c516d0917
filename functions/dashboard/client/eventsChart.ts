import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import type { PageElement } from './browser.ts';
import { typeColours } from './colours.ts';
import type { EventsSeries } from './series.ts';

// Only what a stacked bar chart with legend and tooltips needs: keeps the bundle small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

const minuteLabel = (window: string): string =>
  new Date(window).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * Events per minute as stacked bars, one dataset per type, each in its own colour (typeColours).
 * After each draw the canvas carries `data-types` (the drawn types, JSON), `data-colours` (type to
 * colour, JSON) and `data-total`, which the end-to-end test reads.
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
      const colours = typeColours(series.datasets.map(({ type }) => type));
      chart.data.labels = series.windows.map(minuteLabel);
      chart.data.datasets = series.datasets.map(({ type, counts }) => ({
        label: type,
        data: counts,
        backgroundColor: colours.get(type) as string,
      }));
      chart.update();
      canvas.dataset.types = JSON.stringify(series.datasets.map(({ type }) => type));
      canvas.dataset.colours = JSON.stringify(Object.fromEntries(colours));
      canvas.dataset.total = String(series.total);
    },
  };
}
