// Resource subscriptions of a link, counted per uri: the backend is asked on the first member's
// `resources/subscribe` and told on the last one's `resources/unsubscribe`; the others are answered
// by the link. After a reconnect the link renews every uri on the new channel (a new backend session
// knows none of them), so `resources/updated` keeps flowing. Pure: no I/O.
import type { Member } from './member.js';

export class Subscriptions {
  /** Created on the first subscription: most links never see one. */
  private byUri: Map<string, Set<Member>> | undefined;

  /** Adds a subscriber; true when it is the uri's first (the backend must be asked). */
  add(uri: string, member: Member): boolean {
    const byUri = (this.byUri ??= new Map());
    let members = byUri.get(uri);
    if (!members) byUri.set(uri, (members = new Set()));
    const first = members.size === 0;
    members.add(member);
    return first;
  }

  /** Removes a subscriber; true when it was the uri's last (the backend may be told). */
  remove(uri: string, member: Member): boolean {
    const members = this.byUri?.get(uri);
    if (!members?.delete(member)) return false;
    if (members.size > 0) return false;
    this.byUri!.delete(uri);
    return true;
  }

  /** Removes every subscription of a member; returns the uris it was the last subscriber of. */
  leave(member: Member): string[] {
    const emptied: string[] = [];
    for (const uri of [...(this.byUri?.keys() ?? [])]) if (this.remove(uri, member)) emptied.push(uri);
    return emptied;
  }

  subscribers(uri: string): readonly Member[] {
    return [...(this.byUri?.get(uri) ?? [])];
  }

  has(uri: string): boolean {
    return this.byUri?.has(uri) ?? false;
  }

  /** Every uri someone is subscribed to (renewed after a reconnect). */
  uris(): string[] {
    return [...(this.byUri?.keys() ?? [])];
  }
}
