// limits.requestTimeout: a request the backend never answers must not be waited for, or held, for
// ever. Past its deadline (which each progress notification moves, as the SDK clients do) the client
// gets an error naming the limit, the backend `notifications/cancelled` so it can stop working, and
// the entry is freed.
import { ProxyError } from '../errors/proxy-error.js';
import type { Link } from './link.js';
import type { Member } from './member.js';

export function expireRequests(link: Link, now: number, member: Member): void {
  for (const entry of link.table.takeExpired(now, member)) {
    const err = new ProxyError(
      'ERR_BACKEND_TIMEOUT',
      'request_timeout',
      `the backend did not answer ${entry.method} within limits.requestTimeout (${link.opts.requestTimeoutMs} ms)`,
      { limit: 'requestTimeout' },
    );
    err.route = link.opts.route;
    link.opts.errors.report(err, { method: entry.method, sessionId: member.label }, link.log);
    entry.member.answered(entry.ticket, err.toJsonRpc(entry.clientId), err);
    link.notify({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: entry.backendId, reason: 'timed out at the proxy (limits.requestTimeout)' },
    });
  }
}
