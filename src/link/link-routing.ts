// What a link does with a backend message that is not an answer: a notification goes to the member(s)
// it concerns, a server→client request to the one member routing.ts names (or it is refused).
import type { JsonRpcId, JsonRpcNotification, JsonRpcRequest } from '../jsonrpc/message.js';
import type { Link } from './link.js';
import { recipientOf, routeNotification } from './routing.js';

export function routeServerRequest(link: Link, m: JsonRpcRequest, related: JsonRpcId | undefined): void {
  if (m.method === 'ping' && link.opts.shared) {
    // The backend checks its peer, which is the proxy's one connection: answered for every member.
    link.answer({ jsonrpc: '2.0', id: m.id, result: {} });
    return;
  }
  const cause = related === undefined ? undefined : link.table.memberOfRequest(related);
  const to = recipientOf(m, [...link.members], cause, link.opts.shared);
  if ('refused' in to) {
    link.refuse(m, to.refused);
    return;
  }
  link.table.serverRequestSent(to.member, m);
  const elicitationId = m.params?.elicitationId;
  if (m.method === 'elicitation/create' && typeof elicitationId === 'string') link.table.elicitations.set(elicitationId, to.member);
  to.member.deliver(m);
}

export function deliverNotification(link: Link, m: JsonRpcNotification): void {
  // A link that serves one member hands it everything that is not another request's progress.
  const only = link.members.size === 1 ? [...link.members][0] : undefined;
  const route = routeNotification(m);
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
      const member = link.table.elicitations.get(route.elicitationId);
      link.table.elicitations.delete(route.elicitationId);
      (member ?? only)?.deliver(m);
      return;
    }
    case 'all':
      for (const member of link.members) member.deliver(m);
      return;
  }
}
