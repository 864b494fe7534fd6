/*
 * `res.csv(rows, true)` of csv-express 1.2, which the real server's CSV exports use with `;` as the separator: the
 * header is the first row's own keys, every later row is read with those keys, numbers stay bare, everything else
 * is quoted with `String(value)` (so arrays join with commas, objects print "[object Object]"), null and missing
 * values are empty, and every line ends in CRLF — an empty export is a lone "\r\n".
 */

const SEPARATOR = ';';

/** csv-express's `filterFloat`: a strict decimal number. */
function strictFloat(value: unknown): number {
  return /^(-|\+)?([0-9]+(\.[0-9]+)?|Infinity)$/.test(String(value)) ? Number(value) : Number.NaN;
}

function escapeField(field: unknown): string {
  if (field === undefined || field === null) return '';
  if (!Number.isNaN(strictFloat(field)) && Number.isFinite(Number(field))) return String(parseFloat(String(field)));
  return `"${String(field).replace(/"/g, '""')}"`;
}

export function csvExpress(rows: readonly Record<string, unknown>[]): string {
  const first = rows[0];
  const header = first ? Object.keys(first) : [];
  let body = `${header.join(SEPARATOR)}\r\n`;
  for (const row of rows) {
    body += `${header.map((key) => escapeField(Object.prototype.hasOwnProperty.call(row, key) ? row[key] : null)).join(SEPARATOR)}\r\n`;
  }
  return body;
}

/** A stored ISO date as a lean Mongo document holds it: a `Date`, which csv-express prints with `String(date)`. */
export function csvDate(iso: unknown): unknown {
  return typeof iso === 'string' ? new Date(iso) : iso;
}

/**
 * The messages export is `res.csv` of Mongoose documents (not lean): their own enumerable keys are Mongoose's
 * internals, so every message prints the same row. Reproduced as observed.
 */
export function mongooseDocumentsCsv(count: number): string {
  if (count === 0) return '\r\n';
  const header = '$__;isNew;errors;$locals;$op;_doc;$init\r\n';
  return header + '"[object Object]";"false";;"[object Object]";;"[object Object]";"true"\r\n'.repeat(count);
}
