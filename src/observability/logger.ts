// pino, JSON by default (one object per line, for log shippers); human-readable on a TTY.
// Secrets never reach the log: headers that carry credentials are redacted, and URLs are logged
// without their query string by `safeUrl` (legacy clients put API keys there, spec notes §5.3).
import { pino, type Logger } from 'pino';

export type { Logger };

export type LogFormat = 'json' | 'pretty' | 'auto';

export async function createLogger(opts: { level?: string; format?: LogFormat } = {}): Promise<Logger> {
  const envFormat = process.env.FRONTDOOR_LOG_FORMAT as LogFormat | undefined;
  const format = opts.format && opts.format !== 'auto' ? opts.format : envFormat ?? 'auto';
  const usePretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const options = {
    level: opts.level ?? process.env.FRONTDOOR_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    redact: {
      paths: ['headers.authorization', 'headers.cookie', 'headers["x-api-key"]', 'headers["proxy-authorization"]'],
      censor: '[redacted]',
    },
  };
  if (usePretty) {
    // Loaded only for a terminal (~10 MB of RSS). A synchronous stream: no worker thread, and the
    // output stays in order with the process's own writes.
    const { default: pretty } = await import('pino-pretty');
    return pino(options, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}

/** A URL fit for logs: origin and path only. */
export function safeUrl(u: URL | string): string {
  try {
    const url = typeof u === 'string' ? new URL(u) : u;
    return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return '[invalid url]';
  }
}
