// Where a shared backend's messages go when the backend does not say which session they are for
// (a duplex pipe carries no session): server-wide notifications to every session, `resources/updated`
// only to the sessions subscribed to that uri, and a server→client request to the one session most
// likely to have caused it that is able to answer it. Pure: no I/O.
import type { JsonRpcNotification, JsonRpcRequest } from '../../jsonrpc/message.js';
import type { InFlight } from './multiplexer.js';

export type NotificationRoute =
  | { kind: 'all' }
  | { kind: 'subscribers'; uri: string }
  | { kind: 'progress' }
  | { kind: 'cancelled' }
  | { kind: 'elicitation'; elicitationId: string };

/**
 * Who a backend notification is for. `list_changed`, logging (`notifications/message`) and anything
 * unknown concern the server as a whole: every session. Progress and cancellation belong to one
 * request; `resources/updated` to the subscribers of its uri; `elicitation/complete` to the session
 * that got the URL elicitation.
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

/** The client capability (from its `initialize` params) a server→client request needs. */
const CAPABILITY_OF_METHOD: Readonly<Record<string, string>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

/** True when a client that declared `capabilities` can answer `request`. */
export function canAnswer(capabilities: Record<string, unknown> | undefined, request: JsonRpcRequest): boolean {
  const name = CAPABILITY_OF_METHOD[request.method];
  if (name === undefined) return true;
  const declared = capabilities?.[name];
  if (typeof declared !== 'object' || declared === null) return false;
  if (request.method === 'elicitation/create') {
    // URL mode (2025-11-25) must be declared; `elicitation: {}` means form mode only.
    const mode = request.params?.mode;
    if (mode === 'url') return typeof (declared as Record<string, unknown>).url === 'object';
  }
  return true;
}

export interface Candidate<V> {
  view: V;
  /** What the view's client declared in its `initialize`; undefined before it sent one. */
  capabilities: Record<string, unknown> | undefined;
  inFlight: InFlight;
}

/**
 * The view a server→client request goes to. A backend sends sampling, elicitation or roots/list
 * while it handles some client request, so: among the views with requests in flight whose client can
 * answer, the one with the newest request; else any view whose client can answer (first attached
 * first); else none (the caller answers the backend with an error).
 */
export function chooseView<V>(request: JsonRpcRequest, candidates: readonly Candidate<V>[]): V | undefined {
  let busy: Candidate<V> | undefined;
  let idle: Candidate<V> | undefined;
  for (const c of candidates) {
    if (c.capabilities === undefined || !canAnswer(c.capabilities, request)) continue;
    if (c.inFlight.count > 0) {
      if (!busy || c.inFlight.newest > busy.inFlight.newest) busy = c;
    } else idle ??= c;
  }
  return (busy ?? idle)?.view;
}

/** Which views are subscribed to which resource uri. */
export class SubscriptionTable<V> {
  private readonly byUri = new Map<string, Set<V>>();

  /** Adds a subscriber; true when it is the uri's first (the backend must be asked). */
  add(uri: string, view: V): boolean {
    let views = this.byUri.get(uri);
    if (!views) this.byUri.set(uri, (views = new Set()));
    views.add(view);
    return views.size === 1;
  }

  /** Removes a subscriber; true when it was the uri's last (the backend may be told). */
  remove(uri: string, view: V): boolean {
    const views = this.byUri.get(uri);
    if (!views?.delete(view)) return false;
    if (views.size > 0) return false;
    this.byUri.delete(uri);
    return true;
  }

  /** Removes every subscription of a view; returns the uris it was the last subscriber of. */
  removeView(view: V): string[] {
    const emptied: string[] = [];
    for (const uri of [...this.byUri.keys()]) if (this.remove(uri, view)) emptied.push(uri);
    return emptied;
  }

  subscribers(uri: string): readonly V[] {
    return [...(this.byUri.get(uri) ?? [])];
  }

  has(uri: string): boolean {
    return this.byUri.has(uri);
  }
}
