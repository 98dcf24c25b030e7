// A stdio server's stderr: its log, not an error signal (MCP transports, stdio: clients should not
// take stderr output as an error). Each line goes to the proxy's log; the last few are kept to
// explain an unexpected exit in the operator's log (never to the client).
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { LineFramer } from './ndjson.js';

/** Longest stderr line quoted in a log entry. */
const LOG_LINE_CHARS = 2_000;
/** stderr lines kept to explain an unexpected exit. */
const TAIL_LINES = 5;
const MAX_LINE_BYTES = 64 * 1024;

export const preview = (line: string): string => (line.length > LOG_LINE_CHARS ? `${line.slice(0, LOG_LINE_CHARS)}…` : line);

export class StderrLog {
  readonly tail: string[] = [];

  constructor(stderr: Readable, log: Logger) {
    const framer = new LineFramer({
      maxLineBytes: MAX_LINE_BYTES,
      onOverflow: (bytes) => log.info({ stream: 'stderr', bytes }, '(a stderr line too long to log was skipped)'),
    });
    const onLine = (line: string) => {
      if (line.trim() === '') return;
      const shown = preview(line);
      this.tail.push(shown.length > 300 ? `${shown.slice(0, 300)}…` : shown);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      log.info({ stream: 'stderr' }, shown);
    };
    stderr.on('data', (chunk: Buffer) => {
      for (const line of framer.push(chunk)) onLine(line);
    });
    stderr.on('end', () => {
      const last = framer.end();
      if (last !== undefined) onLine(last);
    });
    stderr.on('error', () => undefined);
  }
}
