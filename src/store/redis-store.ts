// The shared store on Redis. Redis is the only coordination between replicas: no consensus of our own.
// Keys: `<prefix>s:<sessionId>` a hash (owner, route, face, protocolVersion, initialize JSON,
// principal, createdAt) with a TTL; `<prefix>r:<replicaId>` a JSON string with a TTL, refreshed by heartbeats.
// A takeover is one Lua script: compare the owner, check its registration is gone, set the new owner.
// No offline queue and a deadline on every command: while Redis is unreachable a command fails at
// once (or after `cluster.storeTimeout`), so nothing issued during an outage runs when Redis returns.
// Multi-command writes are Lua scripts, not MULTI, because node-redis applies neither the deadline
// nor the offline check to MULTI/pipelines.
// Loaded only with `store: redis://…`, so the embedded default never pays for the client.
import { createClient } from 'redis';
import type { ClaimResult, ReplicaRecord, RestoreResult, Face, SessionRecord, SessionStore } from './store.js';

const CLAIM_SCRIPT = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return 'missing' end
if owner ~= ARGV[1] then return 'owner_changed' end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'owner_alive' end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'claimed'
`;

const PUT_SCRIPT = `
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

const RESTORE_SCRIPT = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[1] then return 'owner_changed' end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 'restored'
`;

const TOUCH_SCRIPT = `
for i = 1, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
return #KEYS
`;

/** Records refreshed per script call: one call stays short however many sessions a replica holds. */
const TOUCH_BATCH = 500;

const DELETE_IF_OWNER_SCRIPT = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export type RedisClient = ReturnType<typeof createClient>;

export class RedisStore implements SessionStore {
  readonly kind = 'redis' as const;
  private readonly listeners: Array<(connected: boolean, err?: Error) => void> = [];

  private constructor(
    /** The connected client: an event log (Redis Streams) may reuse this connection. */
    readonly client: RedisClient,
    private readonly prefix: string,
  ) {
    let connected = true;
    const notify = (up: boolean, err?: Error) => {
      if (up === connected) return;
      connected = up;
      for (const l of this.listeners) l(up, err);
    };
    // An error while the connection stays ready (none is expected) does not make the store unreachable.
    client.on('error', (err: Error) => {
      if (!client.isReady) notify(false, err);
    });
    client.on('end', () => notify(false));
    client.on('ready', () => notify(true));
  }

  onConnectionChange(listener: (connected: boolean, err?: Error) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Connects (bounded by `connectTimeoutMs`); rejects when Redis cannot be reached. Every command
   * then fails after `commandTimeoutMs`, and at once while the connection is down.
   */
  static async connect(url: string, opts: { prefix?: string; connectTimeoutMs?: number; commandTimeoutMs?: number } = {}): Promise<RedisStore> {
    const client = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: opts.commandTimeoutMs ?? 2000 },
      socket: {
        connectTimeout: opts.connectTimeoutMs ?? 5000,
        // Keep retrying while running (a Redis restart must not kill the replicas), capped at 2 s.
        reconnectStrategy: (retries) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
      },
    });
    // Connection errors reach the store's listeners once it exists; until then connect() rejects.
    client.on('error', () => undefined);
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
    await this.client.eval(PUT_SCRIPT, { keys: [this.sessionKey(record.id)], arguments: [String(ttlMs), ...fieldsOf(record)] });
  }

  async restoreSession(record: SessionRecord, ttlMs: number): Promise<RestoreResult> {
    const r = await this.client.eval(RESTORE_SCRIPT, { keys: [this.sessionKey(record.id)], arguments: [record.owner, String(ttlMs), ...fieldsOf(record)] });
    return String(r) as RestoreResult;
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
      face: (h.face === 'legacy-sse' ? 'legacy-sse' : 'streamable-http') satisfies Face,
      protocolVersion: h.protocolVersion,
      initialize,
      ...(h.principal ? { principal: h.principal } : {}),
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
    for (let i = 0; i < ids.length; i += TOUCH_BATCH) {
      const keys = ids.slice(i, i + TOUCH_BATCH).map((id) => this.sessionKey(id));
      await this.client.eval(TOUCH_SCRIPT, { keys, arguments: [String(ttlMs)] });
    }
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

/** A record as HSET field/value pairs (absent optional fields are left as they are). */
function fieldsOf(record: SessionRecord): string[] {
  const fields = ['owner', record.owner, 'route', record.route, 'face', record.face, 'createdAt', String(record.createdAt)];
  if (record.protocolVersion !== undefined) fields.push('protocolVersion', record.protocolVersion);
  if (record.initialize !== undefined) fields.push('initialize', JSON.stringify(record.initialize));
  if (record.principal !== undefined) fields.push('principal', record.principal);
  return fields;
}
