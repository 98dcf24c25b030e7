// The issuer's signing keys (its JWKS), cached. Loaded on first use; refreshed in the background
// when older than MAX_AGE (the old keys keep serving meanwhile, so an IdP blip fails no request);
// fetched again at once when a token names a key we do not have (key rotation), but at most once
// per auth.jwksCooldown, so tokens with made-up `kid`s cannot make the proxy hammer the IdP.
import { createLocalJWKSet, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import type { Logger } from 'pino';
import type { BackendHttpClient } from '../../backends/http-client.js';
import { fetchJson } from './fetch-json.js';

const MAX_AGE_MS = 10 * 60_000;
/** With no keys yet, a failed fetch is repeated at most this often: requests meanwhile fail fast. */
const FAILURE_BACKOFF_MS = 5_000;

type KeyLookup = ReturnType<typeof createLocalJWKSet>;

export interface KeySetOptions {
  /** Where the keys are: the issuer's jwks_uri (from its metadata, discovered on first use). */
  location(): Promise<URL>;
  http: BackendHttpClient;
  timeoutMs: number;
  /** auth.jwksCooldown: the least time between two fetches for an unknown key. */
  cooldownMs: number;
  log: Logger;
  /** Counts each fetch: `ok` or `failed`. */
  onFetch(result: 'ok' | 'failed'): void;
}

export class KeySet {
  private lookup: KeyLookup | undefined;
  private fetchedAt = 0;
  private loading: Promise<void> | undefined;
  private failure: { at: number; error: unknown } | undefined;

  constructor(private readonly o: KeySetOptions) {}

  /** jose's key resolver: the key a token's header names. */
  readonly key = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (!this.lookup) await this.refresh();
    else if (Date.now() - this.fetchedAt > MAX_AGE_MS) void this.refresh().catch(() => undefined);
    try {
      return await this.lookup!(header, token);
    } catch (e) {
      const unknownKey = (e as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY';
      if (!unknownKey || Date.now() - this.fetchedAt < this.o.cooldownMs) throw e;
      await this.refresh();
      return await this.lookup!(header, token);
    }
  };

  /** One fetch at a time; concurrent callers share it. */
  private refresh(): Promise<void> {
    if (!this.lookup && this.failure && Date.now() - this.failure.at < FAILURE_BACKOFF_MS) return Promise.reject(this.failure.error);
    this.loading ??= this.fetch().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async fetch(): Promise<void> {
    try {
      const url = await this.o.location();
      const doc = await fetchJson(url, { http: this.o.http, timeoutMs: this.o.timeoutMs });
      // createLocalJWKSet checks the shape ({ keys: [...] }) and throws on anything else.
      this.lookup = createLocalJWKSet(doc as unknown as JSONWebKeySet);
      this.fetchedAt = Date.now();
      this.failure = undefined;
      this.o.onFetch('ok');
      this.o.log.debug({ reason: 'jwks_fetched', keys: Array.isArray(doc.keys) ? doc.keys.length : 0 }, "fetched the issuer's signing keys");
    } catch (e) {
      this.o.onFetch('failed');
      this.failure = { at: Date.now(), error: e };
      // Keys we already have keep serving; the cooldown applies to failures as well.
      if (this.lookup) this.fetchedAt = Date.now();
      this.o.log.warn({ reason: 'jwks_fetch_failed', err: (e as Error).message }, "could not fetch the issuer's signing keys");
      throw e;
    }
  }
}
