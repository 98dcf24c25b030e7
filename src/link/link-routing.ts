// Where a link puts what its backend sends: an answer to the member that asked (a stray is dropped and
// counted), a notification to the member(s) it concerns, a server→client request to the one member
// routing.ts names (or it is refused, counted, and the backend told).
import {
  errorResponse,
  isRequest,
  isResponse,
  RPC_METHOD_NOT_FOUND,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
} from '../jsonrpc/message.js';
import type { Link } from './link.js';
import { recipientOf, routeNotification } from './routing.js';

/** From the backend. `related`: the request whose stream carried it, when the transport says. */
export function receive(link: Link, m: JsonRpcMessage, related?: JsonRpcId): void {
  if (isResponse(m)) {
    const entry = link.table.take(m.id);
    if (!entry) {
      // A stray: for another connection (a backend that broadcasts), or for a request given up on.
      link.opts.metrics.inc('frontdoor_stray_responses_total', { route: link.opts.route });
      link.log.debug({ reason: 'stray_response', id: m.id }, 'dropped a backend response that answers no request of this link');
      return;
    }
    link.opts.backendLatency?.observe((performance.now() - entry.sent) / 1000);
    link.touch(); // an answer is activity: the idle delay counts from the last one
    if (entry.kind === 'own') entry.resolve(m);
    else entry.member.answered(entry.ticket, { ...m, id: entry.clientId });
    return;
  }
  if (isRequest(m)) return routeServerRequest(link, m, related);
  deliverNotification(link, m, related);
}

/** Refuses a server→client request nobody may answer. */
function refuse(link: Link, m: JsonRpcRequest, reason: string): void {
  link.opts.metrics.inc('frontdoor_server_requests_refused_total', { route: link.opts.route, reason });
  link.log.info({ reason, method: m.method, members: link.members.size }, 'refused a server→client request: no single session of this link can answer it');
  link.notify(errorResponse(m.id, RPC_METHOD_NOT_FOUND, `no client session can answer ${m.method} (${reason})`));
}

function routeServerRequest(link: Link, m: JsonRpcRequest, related: JsonRpcId | undefined): void {
  if (m.method === 'ping' && link.opts.shared) {
    // The backend checks its peer, which is the proxy's one connection: answered for every member.
    link.notify({ jsonrpc: '2.0', id: m.id, result: {} });
    return;
  }
  const cause = related === undefined ? undefined : link.table.requestOf(related)?.member;
  const to = recipientOf(m, [...link.members], cause, link.opts.shared);
  if ('refused' in to) {
    refuse(link, m, to.refused);
    return;
  }
  link.table.serverRequestSent(to.member, m);
  const elicitationId = m.params?.elicitationId;
  if (m.method === 'elicitation/create' && typeof elicitationId === 'string') link.table.elicitationSent(elicitationId, to.member);
  to.member.deliver(m);
}

function deliverNotification(link: Link, m: JsonRpcNotification, related: JsonRpcId | undefined): void {
  // A link that serves one member hands it everything that is not another request's progress.
  const only = link.members.size === 1 ? [...link.members][0] : undefined;
  const route = routeNotification(m);
  // Sent on a request's answer stream (Streamable HTTP): it is that request's (its log lines, say),
  // and goes with it, to its member and its stream.
  const owner = related === undefined || route.kind === 'progress' ? undefined : link.table.requestOf(related);
  if (owner && route.kind === 'all') {
    owner.member.progress(owner.ticket, m);
    return;
  }
  switch (route.kind) {
    case 'progress': {
      const owned = link.table.progressed(m, link.deadline);
      if (owned) owned.entry.member.progress(owned.entry.ticket, owned.message);
      else only?.deliver(m);
      return;
    }
    case 'cancelled': {
      const requestId = m.params?.requestId as JsonRpcId | undefined;
      const member = requestId === undefined ? undefined : link.table.serverRequestCancelled(requestId);
      (member ?? only)?.deliver(m);
      return;
    }
    case 'subscribers':
      if (only) only.deliver(m);
      else for (const member of link.subscriptions.subscribers(route.uri)) member.deliver(m);
      return;
    case 'elicitation': {
      const member = link.table.elicitationCompleted(route.elicitationId);
      (member ?? only)?.deliver(m);
      return;
    }
    case 'all':
      for (const member of link.members) member.deliver(m);
      return;
  }
}
