// Random request bodies for the fuzz test: JSON-RPC messages valid and broken (ids, methods,
// params, versions), batches, deep nesting, long strings, invalid UTF-8, truncated JSON, garbage.
// Bodies are built as text (not JSON.stringify of a value) where the point is what a serializer
// would never produce: ids past 2^53, 5,000-deep nesting, bytes that are not UTF-8. Pure.
import type { Rng } from './prng.js';

/** Client→server and server→client methods of MCP, sent in both directions on purpose. */
export const MCP_METHODS = [
  'initialize',
  'notifications/initialized',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/roots/list_changed',
  'notifications/message',
  'notifications/resources/updated',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'tasks/get',
  'tasks/list',
  'tasks/cancel',
] as const;

/**
 * Tools of the legacy-sse fixture that answer at once. `slow`, `sample`, `elicit` and `roots` are
 * left out: they wait for a client (or a clock) the fuzzer never provides, which would only measure
 * our own patience; `add_tool` would grow the backend's tool list for the rest of the run.
 */
const TOOLS = ['echo', 'add', 'fail', 'whoami', 'log', 'touch_resource', 'no_such_tool', ''];

const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '1999-01-01', ''];

export interface FuzzBody {
  bytes: Buffer;
  /** A short name of what was generated, for failure messages and the tally. */
  kind: string;
}

/** A JSON-RPC id of every shape, as JSON text. */
function idText(rng: Rng): string | undefined {
  return rng.weighted<() => string | undefined>([
    [30, () => String(rng.int(0, 1000))],
    [5, () => '18446744073709551616'], // 2^64
    [3, () => '9007199254740993'], // 2^53 + 1: not representable as a double
    [3, () => '1e308'],
    [2, () => '1e400'], // Infinity after parsing
    [4, () => String(rng.int(0, 100) + 0.5)],
    [4, () => String(-rng.int(1, 1_000_000))],
    [15, () => JSON.stringify(rng.string(rng.int(0, 40)))],
    [2, () => JSON.stringify('x'.repeat(rng.int(1_000, 20_000)))],
    [6, () => 'null'],
    [3, () => '{"a":1}'],
    [3, () => '[1,2]'],
    [2, () => 'true'],
    [8, () => undefined],
  ])();
}

function methodText(rng: Rng): string | undefined {
  return rng.weighted<() => string | undefined>([
    [70, () => JSON.stringify(rng.pick(MCP_METHODS))],
    [10, () => JSON.stringify(rng.string(rng.int(0, 30)))],
    [3, () => JSON.stringify(`notifications/${rng.string(rng.int(1, 12), 'abcdefghijklmnop/')}`)],
    [3, () => JSON.stringify('rpc.discover')],
    [4, () => String(rng.int(0, 9))],
    [3, () => 'null'],
    [2, () => '{"method":"ping"}'],
    [5, () => undefined],
  ])();
}

export function deepJson(rng: Rng, depth: number): string {
  return rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Depth of an occasional deep nesting: mostly modest, sometimes the full 5,000 levels. */
function depth(rng: Rng): number {
  return rng.chance(0.3) ? 5_000 : rng.int(50, 5_000);
}

function scalarJunk(rng: Rng): string {
  return rng.pick(['null', '0', '-1', '1.5', '"x"', 'true', '[]', '{}', '[null]', '""']);
}

/** Params that fit the method, or deliberately do not. */
function paramsText(rng: Rng, method: string | undefined): string | undefined {
  const fitting = (): string | undefined => {
    switch (method) {
      case '"initialize"':
        return JSON.stringify({
          protocolVersion: rng.pick(PROTOCOL_VERSIONS),
          capabilities: rng.chance(0.8) ? {} : rng.string(5),
          clientInfo: { name: rng.string(rng.int(0, 12)), version: '1.0.0' },
        });
      case '"tools/call"': {
        const name = rng.chance(0.9) ? rng.pick(TOOLS) : rng.string(rng.int(1, 20));
        const args = rng.weighted<() => unknown>([
          [5, () => ({ text: rng.string(rng.int(0, 200)) })],
          [2, () => ({ a: rng.int(-5, 5), b: rng.chance(0.5) ? rng.int(0, 5) : 'x' })],
          [1, () => ({ level: rng.pick(['info', 'debug', 'nope']), message: 'm', uri: 'demo://readme' })],
          [1, () => rng.string(3)],
          [1, () => undefined],
        ])();
        return JSON.stringify({ name, arguments: args, ...(rng.chance(0.2) ? { _meta: { progressToken: rng.int(0, 50) } } : {}) });
      }
      case '"notifications/cancelled"':
        return `{"requestId":${idText(rng) ?? '1'},"reason":${JSON.stringify(rng.string(rng.int(0, 20)))}}`;
      case '"notifications/progress"':
        return `{"progressToken":${idText(rng) ?? '1'},"progress":${rng.int(0, 100)}}`;
      case '"resources/read"':
      case '"resources/subscribe"':
      case '"resources/unsubscribe"':
        return JSON.stringify({ uri: rng.pick(['demo://readme', 'demo://items/2', 'file:///etc/passwd', rng.string(10)]) });
      case '"prompts/get"':
        return JSON.stringify({ name: rng.pick(['greet', 'nope']), arguments: { name: rng.string(rng.int(0, 10)) } });
      case '"completion/complete"':
        return JSON.stringify({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: rng.string(2) } });
      case '"logging/setLevel"':
        return JSON.stringify({ level: rng.pick(['debug', 'info', 'emergency', 'loud']) });
      default:
        return rng.chance(0.5) ? '{}' : undefined;
    }
  };
  return rng.weighted<() => string | undefined>([
    [70, fitting],
    [15, () => scalarJunk(rng)],
    [5, () => `{"cursor":${JSON.stringify(rng.string(rng.int(0, 30)))}}`],
    [5, () => `{"_meta":{"progressToken":${idText(rng) ?? '0'}}}`],
    [5, () => undefined],
  ])();
}

/** One message as JSON text: a request, a notification or a response, valid or not. */
export function messageText(rng: Rng, forceMethod?: string): string {
  const fields: string[] = [];
  const version = rng.weighted([
    [85, '"2.0"'],
    [5, undefined],
    [4, '"1.0"'],
    [3, '2'],
    [3, 'null'],
  ] as const);
  if (version !== undefined) fields.push(`"jsonrpc":${version}`);
  const shape = rng.weighted([
    [75, 'call'],
    [15, 'response'],
    [10, 'error'],
  ] as const);
  const id = idText(rng);
  if (shape === 'call') {
    const method = forceMethod !== undefined ? JSON.stringify(forceMethod) : methodText(rng);
    if (method !== undefined) fields.push(`"method":${method}`);
    // Notifications carry no id: keep most of them so, otherwise the id is a random shape.
    const isNotification = method?.startsWith('"notifications/') ?? false;
    if (id !== undefined && (!isNotification || rng.chance(0.2))) fields.push(`"id":${id}`);
    const params = paramsText(rng, method);
    if (params !== undefined) fields.push(`"params":${params}`);
  } else {
    if (id !== undefined) fields.push(`"id":${id}`);
    if (shape === 'response') fields.push(`"result":${rng.pick(['{}', '{"content":[]}', 'null', '1', '{"roots":[]}'])}`);
    else fields.push(`"error":${rng.pick(['{"code":-32601,"message":"nope"}', '{"code":"x"}', '{}', 'null', '{"code":1,"message":1}'])}`);
  }
  // Shuffle the field order: parsers must not depend on it.
  for (let i = fields.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [fields[i], fields[j]] = [fields[j]!, fields[i]!];
  }
  return `{${fields.join(',')}}`;
}

function batchText(rng: Rng): string {
  const n = rng.int(0, 5);
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    items.push(
      rng.weighted<() => string>([
        [70, () => messageText(rng)],
        [15, () => messageText(rng, 'initialize')],
        [10, () => scalarJunk(rng)],
        [5, () => `[${messageText(rng)}]`],
      ])(),
    );
  }
  return `[${items.join(',')}]`;
}

/** A well-formed request whose params (or whole body) nest `depth` levels. */
function deepText(rng: Rng): string {
  const d = depth(rng);
  return rng.weighted<() => string>([
    [
      60,
      () =>
        `{"jsonrpc":"2.0","id":${rng.int(1, 1000)},"method":${JSON.stringify(rng.pick(['tools/call', 'ping', 'resources/read', 'initialize']))},"params":${deepJson(rng, d)}}`,
    ],
    [20, () => `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1,"data":${deepJson(rng, d)}}}`],
    [20, () => deepJson(rng, d)],
  ])();
}

function longStringText(rng: Rng): string {
  const long = 'y'.repeat(rng.int(10_000, 300_000));
  return rng.weighted<() => string>([
    [50, () => `{"jsonrpc":"2.0","id":${rng.int(1, 99)},"method":"tools/call","params":{"name":"echo","arguments":{"text":${JSON.stringify(long)}}}}`],
    [20, () => `{"jsonrpc":"2.0","id":1,"method":${JSON.stringify(long)}}`],
    [15, () => `{"jsonrpc":"2.0","id":${JSON.stringify(long)},"method":"ping"}`],
    [15, () => JSON.stringify(long)],
  ])();
}

/** Bytes that are not UTF-8 (lone continuation bytes, overlong forms, surrogates, 0xFF). */
function invalidUtf8(rng: Rng): Buffer {
  const bad = rng.pick([[0xff], [0xc3, 0x28], [0x80], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe, 0xfe]]);
  const text = messageText(rng);
  const at = rng.int(0, text.length);
  return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bad), Buffer.from(text.slice(at))]);
}

export function generateBody(rng: Rng): FuzzBody {
  const kind = rng.weighted([
    [45, 'message'],
    [10, 'batch'],
    [6, 'deep'],
    [3, 'long_string'],
    [4, 'invalid_utf8'],
    [6, 'truncated'],
    [5, 'empty'],
    [3, 'garbage'],
    [4, 'scalar'],
    [4, 'initialize'],
  ] as const);
  const text = (t: string): FuzzBody => ({ bytes: Buffer.from(t), kind });
  switch (kind) {
    case 'message':
      return text(messageText(rng));
    case 'initialize':
      return text(messageText(rng, 'initialize'));
    case 'batch':
      return text(batchText(rng));
    case 'deep':
      return text(deepText(rng));
    case 'long_string':
      return text(longStringText(rng));
    case 'invalid_utf8':
      return { bytes: invalidUtf8(rng), kind };
    case 'truncated': {
      const whole = rng.chance(0.7) ? messageText(rng) : batchText(rng);
      return text(whole.slice(0, rng.int(0, Math.max(0, whole.length - 1))));
    }
    case 'empty':
      return text(rng.pick(['', ' ', '\n', '\r\n\r\n']));
    case 'garbage':
      return { bytes: Buffer.from(Array.from({ length: rng.int(1, 512) }, () => rng.int(0, 255))), kind };
    case 'scalar':
      return text(scalarJunk(rng));
  }
}
