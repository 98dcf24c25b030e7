// One bench session on a cluster's balancer, with either client: the light one (raw node:http, its
// own keep-alive agent) or the MCP SDK client. `echo` resolves true when the text came back.
import { connectStreamable, textOf } from '../helpers/clients.js';
import { benchAgent, LightStreamable } from './light-clients.js';

const CALL_TIMEOUT_MS = 15_000;

export interface BenchClusterSession {
  echo(text: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function openSession(client: 'light' | 'sdk', origin: string, i: number): Promise<BenchClusterSession> {
  if (client === 'sdk') {
    const c = await connectStreamable(`${origin}/mcp`, `bench-${i}`);
    return {
      echo: async (text) => textOf(await c.client.callTool({ name: 'echo', arguments: { text } })) === text,
      close: () => c.close(),
    };
  }
  const agent = benchAgent();
  const s = await LightStreamable.open(agent, `${origin}/mcp`, {}, CALL_TIMEOUT_MS);
  return {
    echo: async (text) => {
      const m = await s.call('tools/call', { name: 'echo', arguments: { text } }, {});
      return textOf(m.result) === text;
    },
    close: async () => {
      await s.close({});
      agent.destroy();
    },
  };
}
