/**
 * CSV with RFC 4180 quoting: a field holding a comma, a double quote, CR or LF is enclosed in
 * double quotes, with each double quote doubled. Lines end with LF (pandas, R, spreadsheets
 * and Python's csv module read both LF and CRLF).
 */

export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** A value as a CSV cell: strings as they are, numbers in shortest round-trip form, null and
 * non-finite numbers empty, objects and arrays as JSON. */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
