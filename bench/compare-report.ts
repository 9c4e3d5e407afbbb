/**
 * Renders the side-by-side results (bench/compare.ts) as a Markdown table of
 * figures and ratios against Baton, the targets of issue 17 that were missed,
 * and small grouped bar charts as standalone SVG. Pure functions of the figures.
 */

/** One measured figure per variant; undefined where it was not measured or failed. */
export interface MeasureRow {
  /** e.g. "throughput, 10 in flight". */
  measure: string;
  unit: string;
  /** "higher" when more is better (throughput), else "lower". */
  better: "higher" | "lower";
  /** Target for Baton / other, where issue 17 sets one: at least (higher) or at most (lower). */
  target?: number;
  values: Record<string, number | undefined>;
  /** Why a variant has no figure (e.g. "timed out (cap 240 s)"), shown in its cell instead of "-". */
  notes?: Record<string, string>;
}

export interface ReportInput {
  /** Column order; the first is Baton, the one ratios are taken against. */
  variants: string[];
  rows: MeasureRow[];
}

const fmtValue = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtRatio = (r: number, better: "higher" | "lower") => (better === "higher" ? `${r.toFixed(1)}x` : r.toFixed(2));

/** Baton's figure over the other's (for throughput, how many times more; for the rest, the fraction). */
export function ratio(baton: number | undefined, other: number | undefined): number | undefined {
  if (baton === undefined || other === undefined || !Number.isFinite(baton) || !Number.isFinite(other) || other === 0) return undefined;
  return baton / other;
}

export function markdownTable(input: ReportInput): string {
  const [baton, ...others] = input.variants;
  if (baton === undefined) throw new Error("markdownTable: no variants");
  const header = `| measure | ${input.variants.join(" | ")} |`;
  const rule = `|---|${input.variants.map(() => "---").join("|")}|`;
  const lines = input.rows.map((row) => {
    const missing = (variant: string) => row.notes?.[variant] ?? "-";
    const cells = [row.values[baton] === undefined ? missing(baton) : `${fmtValue(row.values[baton]!)} ${row.unit}`];
    for (const other of others) {
      const value = row.values[other];
      const r = ratio(row.values[baton], value);
      cells.push(value === undefined ? missing(other) : `${fmtValue(value)} ${row.unit}${r === undefined ? "" : ` (${fmtRatio(r, row.better)})`}`);
    }
    return `| ${row.measure} | ${cells.join(" | ")} |`;
  });
  return [header, rule, ...lines].join("\n");
}

/** Each target Baton missed against a variant, with the ratio reached and how far off it is. */
export function missedTargets(input: ReportInput): string[] {
  const [baton, ...others] = input.variants;
  const missed: string[] = [];
  for (const row of input.rows) {
    if (row.target === undefined || baton === undefined) continue;
    for (const other of others) {
      const r = ratio(row.values[baton], row.values[other]);
      if (r === undefined) continue;
      const met = row.better === "higher" ? r >= row.target : r <= row.target;
      if (met) continue;
      const want = row.better === "higher" ? `at least ${row.target}x` : `at most ${row.target}`;
      const factor = row.better === "higher" ? row.target / r : r / row.target;
      missed.push(`${row.measure} vs ${other}: ${fmtRatio(r, row.better)}, target ${want} (missed by a factor of ${factor.toFixed(1)})`);
    }
  }
  return missed;
}

const PALETTE = ["#2563eb", "#dc2626", "#ea580c", "#16a34a", "#9333ea", "#0891b2"];
const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export interface BarChart {
  title: string;
  unit: string;
  /** Bar colours follow this order (one per series), as does the legend. */
  series: string[];
  /** Groups along the x axis, each with one value per series (missing: no bar). */
  groups: Array<{ label: string; values: Record<string, number | undefined> }>;
}

/** A grouped bar chart as a self-contained SVG document (no fonts or scripts loaded). */
export function svgBarChart(chart: BarChart): string {
  const width = 720;
  const height = 360;
  const margin = { top: 48, right: 16, bottom: 56 + 18 * Math.ceil(chart.series.length / 3), left: 64 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const all = chart.groups.flatMap((g) => chart.series.map((s) => g.values[s])).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const max = niceCeiling(Math.max(1e-9, ...all));
  const y = (v: number) => margin.top + plotH - (v / max) * plotH;
  const groupW = plotW / Math.max(1, chart.groups.length);
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(
      `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`,
      `<text x="${margin.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmtValue(v)}</text>`,
    );
  }
  parts.push(`<text x="14" y="${margin.top + plotH / 2}" transform="rotate(-90 14 ${margin.top + plotH / 2})" text-anchor="middle">${escapeXml(chart.unit)}</text>`);
  chart.groups.forEach((group, gi) => {
    const x0 = margin.left + gi * groupW + groupW * 0.1;
    chart.series.forEach((series, si) => {
      const v = group.values[series];
      if (v === undefined || !Number.isFinite(v)) return;
      const x = x0 + si * barW;
      parts.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(margin.top + plotH - y(v)).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${escapeXml(`${series}: ${fmtValue(v)} ${chart.unit}`)}</title></rect>`,
        `<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="10">${fmtValue(v)}</text>`,
      );
    });
    parts.push(`<text x="${(margin.left + gi * groupW + groupW / 2).toFixed(1)}" y="${margin.top + plotH + 16}" text-anchor="middle">${escapeXml(group.label)}</text>`);
  });
  parts.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${margin.top + plotH}" y2="${margin.top + plotH}" stroke="#374151"/>`);
  chart.series.forEach((series, si) => {
    const lx = margin.left + (si % 3) * (plotW / 3);
    const ly = margin.top + plotH + 36 + 18 * Math.floor(si / 3);
    parts.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`,
      `<text x="${lx + 18}" y="${ly}">${escapeXml(series)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** The smallest of 1, 2, 2.5 or 5 times a power of ten at or above n. */
export function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}
