/**
 * Terminal output: colour only on a TTY and never with NO_COLOR (https://no-color.org),
 * plain aligned tables, and number formatting. The only module that knows about chalk.
 */
import { Chalk, type ChalkInstance } from 'chalk';

export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  const noColor = process.env.NO_COLOR;
  return Boolean(stream.isTTY) && (noColor === undefined || noColor === '');
}

export function makeChalk(stream: NodeJS.WriteStream = process.stdout): ChalkInstance {
  return new Chalk({ level: useColor(stream) ? 1 : 0 });
}

/** Aligned columns; by default the first is left-aligned and the others right-aligned. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  c?: ChalkInstance,
  align?: readonly ('l' | 'r')[],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, j) => Math.max(...all.map((r) => (r[j] ?? '').length)));
  const left = (j: number) => (align ? align[j] === 'l' : j === 0);
  const fmt = (r: readonly string[]) =>
    r.map((cell, j) => (left(j) ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!))).join('  ').trimEnd();
  const head = fmt(header);
  return [c ? c.bold(head) : head, ...rows.map(fmt)].join('\n');
}

/** Fixed-precision number, or an SI-suffixed one for large values (1.82 G). */
export function num(x: number, digits = 3): string {
  const a = Math.abs(x);
  if (a >= 1e12) return `${(x / 1e12).toFixed(2)} T`;
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  if (Number.isInteger(x)) return String(x);
  return x.toFixed(digits);
}

/** Three significant digits, no exponent for ordinary magnitudes. */
export function sig(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toString();
  const p = x.toPrecision(3);
  // drop trailing zeros of a fraction only (190 stays 190; 2.50 becomes 2.5)
  return p.includes('.') && !p.includes('e') ? p.replace(/0+$/, '').replace(/\.$/, '') : p;
}

/** A duration in the unit that suits it: 812 ns, 3.41 us, 27.0 ms, 1.20 s. */
export function dur(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${sig(ns / 1e9)} s`;
  if (a >= 1e6) return `${sig(ns / 1e6)} ms`;
  if (a >= 1e3) return `${sig(ns / 1e3)} us`;
  return `${sig(ns)} ns`;
}

/** An energy in the unit that suits it, from picojoules. */
export function energy(pj: number): string {
  const a = Math.abs(pj);
  if (a >= 1e12) return `${sig(pj / 1e12)} J`;
  if (a >= 1e9) return `${sig(pj / 1e9)} mJ`;
  if (a >= 1e6) return `${sig(pj / 1e6)} uJ`;
  return `${sig(pj)} pJ`;
}

export function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** Stable JSON for --json output (2-space indent, trailing newline). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
