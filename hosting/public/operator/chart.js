// A small wrapper over uPlot (vendored at /vendor/uPlot.iife.min.js, loaded before the page's
// module): a time series chart that follows its container's width.

const COLORS = { p50: "#1f5fbf", p95: "#c8423a" };

export function chartsAvailable() {
  return typeof window.uPlot === "function";
}

export class LatencyChart {
  constructor(container) {
    this.container = container;
    this.plot = null;
    this.data = null;
    if ("ResizeObserver" in window) {
      let lastWidth = 0;
      new ResizeObserver(() => {
        const width = this.width();
        if (this.plot && Math.abs(width - lastWidth) > 2) {
          lastWidth = width;
          this.plot.setSize({ width, height: this.height() });
        }
      }).observe(container);
    }
  }

  width() {
    return Math.max(200, Math.floor(this.container.clientWidth || 600));
  }

  height() {
    return this.container.clientWidth < 500 ? 200 : 260;
  }

  /** xs: Unix seconds; p50/p95: milliseconds or null (a gap). */
  set(xs, p50, p95) {
    if (!chartsAvailable()) return;
    const data = [xs, p50, p95];
    if (this.plot) {
      this.plot.setData(data);
      this.padSinglePoint(xs);
      return;
    }
    const uPlot = window.uPlot;
    const label = (v) => (v >= 1000 ? `${+(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
    const ms = (u, values) => values.map((v) => (v === null || v === undefined ? "" : label(v)));
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height(),
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(10, (max || 0) * 1.15)] } },
        axes: [
          { stroke: "#5b6677", grid: { stroke: "#eef1f5" } },
          { stroke: "#5b6677", grid: { stroke: "#eef1f5" }, size: 70, values: ms },
        ],
        series: [
          { label: "hour (local)" },
          { label: "p50", stroke: COLORS.p50, width: 2, points: { show: true, size: 6 }, value: (u, v) => (v == null ? "—" : label(v)) },
          { label: "p95", stroke: COLORS.p95, width: 2, points: { show: true, size: 6 }, value: (u, v) => (v == null ? "—" : label(v)) },
        ],
        legend: { show: true },
      },
      data,
      this.container,
    );
    this.padSinglePoint(xs);
  }

  /** One hour's point alone would get a range of years: show an hour either side of it. */
  padSinglePoint(xs) {
    if (xs.length === 1) this.plot.setScale("x", { min: xs[0] - 3600, max: xs[0] + 3600 });
  }
}
