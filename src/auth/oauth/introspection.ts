// Opaque access tokens, checked with RFC 7662 token introspection (auth.introspection). Answers are
// cached for introspection.cacheTtl, never past the token's own expiry, keyed by a hash of the token
// (tokens are not kept); the cache is bounded, and concurrent checks of one token share one call.
// Inactive answers are cached too: a client retrying a revoked token costs the IdP nothing more.
import { createHash } from 'node:crypto';
import type { BackendHttpClient } from '../../backends/http-client.js';
import { fetchJson } from './fetch-json.js';

const MAX_ENTRIES = 10_000;

export interface IntrospectionOptions {
  endpoint(): Promise<URL>;
  clientId: string;
  clientSecret: string;
  http: BackendHttpClient;
  timeoutMs: number;
  cacheTtlMs: number;
  onCall(result: 'active' | 'inactive' | 'failed'): void;
}

export type Introspected = Record<string, unknown> & { active: boolean };

/** RFC 6749 §2.3.1: client_secret_basic form-encodes the id and secret before base64. */
function basicAuth(id: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export class Introspector {
  private readonly cache = new Map<string, { answer: Introspected; until: number }>();
  private readonly pending = new Map<string, Promise<Introspected>>();

  constructor(private readonly o: IntrospectionOptions) {}

  introspect(token: string): Promise<Introspected> {
    const key = createHash('sha256').update(token).digest('base64url');
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.answer);
    if (hit) this.cache.delete(key);
    let call = this.pending.get(key);
    if (!call) {
      call = this.call(token, key).finally(() => this.pending.delete(key));
      this.pending.set(key, call);
    }
    return call;
  }

  private async call(token: string, key: string): Promise<Introspected> {
    let doc: Record<string, unknown>;
    try {
      doc = await fetchJson(await this.o.endpoint(), {
        http: this.o.http,
        timeoutMs: this.o.timeoutMs,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(this.o.clientId, this.o.clientSecret) },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
    } catch (e) {
      this.o.onCall('failed');
      throw e;
    }
    const answer: Introspected = { ...doc, active: doc.active === true };
    this.o.onCall(answer.active ? 'active' : 'inactive');
    const exp = typeof doc.exp === 'number' ? doc.exp * 1000 : Infinity;
    const until = Math.min(Date.now() + this.o.cacheTtlMs, exp);
    if (until > Date.now()) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { answer, until });
    }
    return answer;
  }
}
