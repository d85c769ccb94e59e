// Streams generated rows into Postgres with COPY ... FROM STDIN (text format). Rows are
// produced lazily by a generator and sent in chunks, so memory stays flat however many rows.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** One value in COPY text format: NULL is \N; backslash, tab, newline and CR are escaped. */
export function copyValue(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

/** Joins generated lines (each ending in \n) into chunks of about `chunkBytes`. */
function* chunked(lines: Iterable<string>, chunkBytes: number): Generator<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= chunkBytes) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}

/**
 * Runs `COPY table (columns) FROM STDIN` on `client`, feeding it `lines` (already COPY-encoded,
 * one row per line). Backpressure from the socket pauses the generator. Returns the row count.
 */
export async function copyRows(client: pg.PoolClient | pg.Client, table: string, columns: readonly string[], lines: Iterable<string>): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(chunked(lines, 256 * 1024), { objectMode: false }), stream);
  return stream.rowCount;
}
