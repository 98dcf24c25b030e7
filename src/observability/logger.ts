// pino, JSON by default (one object per line, for log shippers); human-readable on a TTY.
// Secrets never reach the log: headers that carry credentials are redacted, URLs are logged
// without their query string by `safeUrl` (legacy clients put API keys there), and, as a last line
// of defence for URLs that reach a line some other way (an error message, a library's text), every
// finished line has the userinfo and query values of any URL in it redacted.
import { pino, type Logger } from 'pino';
import { redactUrlsInText } from './redact-url.js';

export { safeUrl } from './redact-url.js';

export type { Logger };

export type LogFormat = 'json' | 'pretty' | 'auto';

export async function createLogger(opts: { level?: string; format?: LogFormat } = {}): Promise<Logger> {
  const envFormat = process.env.FRONTDOOR_LOG_FORMAT as LogFormat | undefined;
  const format = opts.format && opts.format !== 'auto' ? opts.format : (envFormat ?? 'auto');
  const usePretty = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const options = {
    level: opts.level ?? process.env.FRONTDOOR_LOG_LEVEL ?? 'info',
    base: { pid: process.pid },
    redact: {
      paths: ['headers.authorization', 'headers.cookie', 'headers["x-api-key"]', 'headers["proxy-authorization"]'],
      censor: '[redacted]',
    },
    // The finished JSON line: msg, fields, child bindings and serialized errors alike. Cheap for
    // the lines without `://`, which are most of them.
    hooks: { streamWrite: redactUrlsInText },
  };
  if (usePretty) {
    // Loaded only for a terminal (~10 MB of RSS). A synchronous stream: no worker thread, and the
    // output stays in order with the process's own writes.
    const { default: pretty } = await import('pino-pretty');
    return pino(options, pretty({ colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
