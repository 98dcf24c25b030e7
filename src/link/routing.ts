// Where a backend message goes when it is not an answer: which member(s) get a notification, and
// which one member gets a server→client request. Pure: no I/O.
//
// Never a guess. A server→client request (sampling, elicitation, roots/list) carries one user's data
// to one user's client: it goes to the member whose request caused it when the transport says so (a
// Streamable HTTP backend sends it on that request's POST stream), to the only member when there is
// one, or to the only member whose client can answer it. With several candidates and no way to tell,
// it is refused: the backend gets an error rather than another user's client getting the prompt. On
// a shared route over sse or stdio (which cannot tell), members whose clients declare those
// capabilities get a link of their own (linker.ts), so the shared link never has to choose.
import type { JsonRpcNotification, JsonRpcRequest } from '../jsonrpc/message.js';
import { capabilitiesOf, type Member } from './member.js';

export type NotificationRoute =
  { kind: 'all' } | { kind: 'subscribers'; uri: string } | { kind: 'progress' } | { kind: 'cancelled' } | { kind: 'elicitation'; elicitationId: string };

/**
 * Who a backend notification is for. `list_changed`, logging and anything unknown concern the server
 * as a whole: every member. Progress and cancellation belong to one request; `resources/updated` to
 * the subscribers of its uri; `elicitation/complete` to the member that got the URL elicitation.
 */
export function routeNotification(n: JsonRpcNotification): NotificationRoute {
  switch (n.method) {
    case 'notifications/progress':
      return { kind: 'progress' };
    case 'notifications/cancelled':
      return { kind: 'cancelled' };
    case 'notifications/resources/updated': {
      const uri = n.params?.uri;
      return typeof uri === 'string' ? { kind: 'subscribers', uri } : { kind: 'all' };
    }
    case 'notifications/elicitation/complete': {
      const elicitationId = n.params?.elicitationId;
      return typeof elicitationId === 'string' ? { kind: 'elicitation', elicitationId } : { kind: 'all' };
    }
    default:
      return { kind: 'all' };
  }
}

/** Server→client requests and the client capability each needs. */
export const CAPABILITY_OF_METHOD: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** True when a client that declared `capabilities` can answer `request`. */
export function canAnswer(capabilities: Record<string, unknown>, request: JsonRpcRequest): boolean {
  const name = CAPABILITY_OF_METHOD[request.method];
  if (name === undefined) return true;
  const declared = capabilities[name];
  if (typeof declared !== 'object' || declared === null) return false;
  if (request.method === 'elicitation/create' && request.params?.mode === 'url') {
    // URL mode (2025-11-25) must be declared; `elicitation: {}` means form mode only.
    return typeof (declared as Record<string, unknown>).url === 'object';
  }
  return true;
}

/** True when the client declares a capability that lets a server send it requests. */
export function answersServerRequests(member: Member): boolean {
  const caps = capabilitiesOf(member);
  return Object.values(CAPABILITY_OF_METHOD).some((name) => typeof caps[name] === 'object' && caps[name] !== null);
}

export type Recipient = { member: Member } | { refused: 'no_capable_member' | 'ambiguous_recipient' };

/**
 * The one member a server→client request goes to, or why none. `cause` is the member whose request
 * caused it; a link that is not shared has one member, which gets everything.
 */
export function recipientOf(request: JsonRpcRequest, members: readonly Member[], cause: Member | undefined, shared: boolean): Recipient {
  if (cause) return { member: cause };
  if (!shared && members.length === 1) return { member: members[0]! };
  const able = members.filter((m) => canAnswer(capabilitiesOf(m), request));
  if (able.length === 1) return { member: able[0]! };
  return { refused: able.length === 0 ? 'no_capable_member' : 'ambiguous_recipient' };
}
