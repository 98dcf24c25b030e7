// MCP SDK clients used as test drivers: a Streamable HTTP client for the proxy's /mcp face with
// handlers for every server→client request the fixture sends.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';

export interface TestClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  logs: unknown[];
  updates: string[];
  listChanged: number;
  close(): Promise<void>;
}

/** What the test clients declare by default: every capability a server may send requests for. */
export const ALL_CLIENT_CAPABILITIES = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };

export async function connectStreamable(url: string, name = 'e2e', capabilities: Record<string, unknown> = ALL_CLIENT_CAPABILITIES): Promise<TestClient> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  const state = { logs: [] as unknown[], updates: [] as string[], listChanged: 0 };
  // The SDK refuses handlers for capabilities the client did not declare.
  if ('sampling' in capabilities) {
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
      const first = req.params.messages[0]?.content as { text?: string } | undefined;
      return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `sampled: ${first?.text ?? ''}` } };
    });
  }
  if ('elicitation' in capabilities) client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada' } }));
  if ('roots' in capabilities) client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp/e2e', name: 'e2e' }] }));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    state.logs.push(n.params.data);
  });
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    state.updates.push(n.params.uri);
  });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    state.listChanged++;
  });
  const transport = new StreamableHTTPClientTransport(new URL(url));
  await client.connect(transport);
  return Object.assign(state, {
    client,
    transport,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  });
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** Resolves at a call's first progress notification (pass `onprogress` to callTool): the backend is running it. */
export function progressSignal(): { onprogress: () => void; started: Promise<void> } {
  let resolve!: () => void;
  const started = new Promise<void>((r) => (resolve = r));
  return { onprogress: () => resolve(), started };
}

/** Polls `check` until it returns true (events arrive asynchronously); bounded. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The SDK's SSEClientTransport, delivering each message only after the one before it was handled.
 * SDK client quirk: its EventSource dispatches every event of a network chunk synchronously, while
 * the SDK's Protocol handles a notification on a microtask but settles a response at once and
 * forgets that request's progress handler; so a progress notification that shares a chunk with its
 * result is dropped ("unknown token"). Which chunk a message lands in depends on timing (a busy
 * machine reads two events at once), so tests that count progress hand each message over on its
 * own turn of the event loop, after the previous one's handlers ran: ordering, not a delay.
 */
export function orderedSseTransport(url: URL): SSEClientTransport {
  return new OrderedSseTransport(url);
}

class OrderedSseTransport extends SSEClientTransport {
  override async start(): Promise<void> {
    // Protocol.connect() sets the handlers before it calls start().
    const deliver = this.onmessage;
    const closed = this.onclose;
    let queue = Promise.resolve();
    const later = (fn: () => void) => {
      queue = queue.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(fn);
    };
    this.onmessage = (message) => later(() => deliver?.(message));
    // A close after a last message must not overtake it (the response would be lost).
    this.onclose = () => later(() => closed?.());
    return super.start();
  }
}

/** The SDK's legacy SSE client (what n8n's MCP Client Tool v1 and `type: sse` configs use). */
export async function connectSse(url: string, name = 'e2e-sse'): Promise<{ client: Client; close(): Promise<void> }> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {}, roots: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => {
    const first = req.params.messages[0]?.content as { text?: string } | undefined;
    return { role: 'assistant', model: 'test-model', content: { type: 'text', text: `sampled: ${first?.text ?? ''}` } };
  });
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp/sse', name: 'sse' }] }));
  await client.connect(orderedSseTransport(new URL(url)));
  return { client, close: () => client.close() };
}
