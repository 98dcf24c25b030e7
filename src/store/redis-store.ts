// The shared store on Redis (design §5: Redis is the distributed engine; no consensus of our own).
// Keys: `<prefix>s:<sessionId>` a hash (owner, route, face, protocolVersion, initialize JSON,
// createdAt) with a TTL; `<prefix>r:<replicaId>` a JSON string with a TTL, refreshed by heartbeats.
// A takeover is one Lua script: compare the owner, check its registration is gone, set the new owner.
// Loaded only with `store: redis://…`, so the embedded default never pays for the client.
import { createClient } from 'redis';
import type { Logger } from 'pino';
import type { ClaimResult, ReplicaRecord, SessionFace, SessionRecord, SessionStore } from './store.js';

const CLAIM_SCRIPT = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 'missing' end
if owner ~= ARGV[1] then return 'owner_changed' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'owner_alive' end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'claimed'
`;

const DELETE_IF_OWNER_SCRIPT = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export type RedisClient = ReturnType<typeof createClient>;

export class RedisStore implements SessionStore {
  readonly kind = 'redis' as const;

  private constructor(
    /** The connected client: an event log (Redis Streams) may reuse this connection. */
    readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  /** Connects (bounded by `connectTimeoutMs`); rejects when Redis cannot be reached. */
  static async connect(url: string, log: Logger, opts: { prefix?: string; connectTimeoutMs?: number } = {}): Promise<RedisStore> {
    const client = createClient({
      url,
      socket: {
        connectTimeout: opts.connectTimeoutMs ?? 5000,
        // Keep retrying while running (a Redis restart must not kill the replicas), capped at 2 s.
        reconnectStrategy: (retries) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
      },
    });
    let reported = false;
    client.on('error', (err: Error) => {
      if (reported) return;
      reported = true;
      log.warn({ reason: 'store_error', err: err.message }, 'redis store: connection problem (retrying)');
    });
    client.on('ready', () => (reported = false));
    const timeoutMs = opts.connectTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`cannot reach the redis store within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      client.destroy();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return new RedisStore(client, opts.prefix ?? 'frontdoor:');
  }

  private sessionKey(id: string): string {
    return `${this.prefix}s:${id}`;
  }

  private replicaKey(id: string): string {
    return `${this.prefix}r:${id}`;
  }

  async putSession(record: SessionRecord, ttlMs: number): Promise<void> {
    const fields: Record<string, string> = {
      owner: record.owner,
      route: record.route,
      face: record.face,
      createdAt: String(record.createdAt),
    };
    if (record.protocolVersion !== undefined) fields.protocolVersion = record.protocolVersion;
    if (record.initialize !== undefined) fields.initialize = JSON.stringify(record.initialize);
    const key = this.sessionKey(record.id);
    await this.client.multi().hSet(key, fields).pExpire(key, ttlMs).exec();
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const h = (await this.client.hGetAll(this.sessionKey(id))) as Record<string, string>;
    if (!h.owner || !h.route) return undefined;
    let initialize: Record<string, unknown> | undefined;
    try {
      initialize = h.initialize ? (JSON.parse(h.initialize) as Record<string, unknown>) : undefined;
    } catch {
      initialize = undefined;
    }
    return {
      id,
      owner: h.owner,
      route: h.route,
      face: (h.face === 'legacy-sse' ? 'legacy-sse' : 'streamable-http') satisfies SessionFace,
      protocolVersion: h.protocolVersion,
      initialize,
      createdAt: Number(h.createdAt ?? 0),
    };
  }

  async deleteSession(id: string, owner: string): Promise<void> {
    await this.client.eval(DELETE_IF_OWNER_SCRIPT, { keys: [this.sessionKey(id)], arguments: [owner] });
  }

  async claimSession(id: string, expectedOwner: string, newOwner: string, ttlMs: number): Promise<ClaimResult> {
    const r = await this.client.eval(CLAIM_SCRIPT, {
      keys: [this.sessionKey(id), this.replicaKey(expectedOwner)],
      arguments: [expectedOwner, newOwner, String(ttlMs)],
    });
    return String(r) as ClaimResult;
  }

  async touchSessions(ids: string[], ttlMs: number): Promise<void> {
    if (ids.length === 0) return;
    const m = this.client.multi();
    for (const id of ids) m.pExpire(this.sessionKey(id), ttlMs);
    await m.exec();
  }

  async heartbeat(replica: ReplicaRecord, ttlMs: number): Promise<boolean> {
    const previous = await this.client.set(this.replicaKey(replica.id), JSON.stringify(replica), { expiration: { type: 'PX', value: ttlMs }, GET: true });
    return previous !== null;
  }

  async getReplica(id: string): Promise<ReplicaRecord | undefined> {
    const v = await this.client.get(this.replicaKey(id));
    if (v === null) return undefined;
    try {
      return JSON.parse(v) as ReplicaRecord;
    } catch {
      return undefined;
    }
  }

  async deregister(id: string): Promise<void> {
    await this.client.del(this.replicaKey(id));
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => this.client.destroy());
  }
}
