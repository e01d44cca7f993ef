/**
 * Small helpers the sections share to build their views: charts with their captions and markers, and plain
 * number words for findings.
 */
import { type ChartSpec, chartCaption } from './chart.js';
import type { SectionChart } from './section.js';

/** A section's charts by name, as the report lists them, captioned from their titles. */
export function chartList(charts: Readonly<Record<string, ChartSpec>>): SectionChart[] {
  return Object.entries(charts).map(([name, spec]) => ({ name, caption: chartCaption(spec), spec }));
}

/** `K^1.02` */
export function power(variable: string, exponent: number): string {
  return `${variable}^${exponent.toFixed(2)}`;
}
