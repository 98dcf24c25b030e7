// Does the server guard against DNS rebinding? Two requests that no real client sends: one with a
// foreign `Origin`, one with a foreign `Host`. Guarded servers answer 403 (TS SDK, mcp-frontdoor) or
// 421 (FastMCP >= 1.23 for a bad Host) (docs/quirks.md, Servers). The requests carry no
// session and create none: a session-less `ping` for Streamable HTTP, and for legacy SSE a GET
// whose stream is closed as soon as its headers arrive.
import { ExchangeFailure, exchange, withTimeout } from './http-exchange.js';
import { POST_HEADERS } from './post-rpc.js';
import type { GuardProbe, GuardProbes } from './probe-results.js';

export const FOREIGN_ORIGIN = 'http://evil.example';
export const FOREIGN_HOST = 'evil.example';

export async function probeGuards(url: URL, transport: GuardProbes['transport'], timeoutMs: number): Promise<GuardProbes> {
  const send = async (header: 'origin' | 'host', value: string): Promise<GuardProbe> => {
    const probe: GuardProbe = { sent: `${header === 'origin' ? 'Origin' : 'Host'}: ${value}` };
    try {
      probe.status = await withTimeout(timeoutMs, async (signal) => {
        const ex =
          transport === 'streamable-http'
            ? await exchange(
                url,
                {
                  method: 'POST',
                  headers: { ...POST_HEADERS, [header]: value },
                  body: JSON.stringify({ jsonrpc: '2.0', id: 'doctor-guard', method: 'ping' }),
                  signal,
                },
                [],
              )
            : await exchange(url, { method: 'GET', headers: { accept: 'text/event-stream', [header]: value }, signal }, []);
        ex.body.destroy();
        return ex.status;
      });
    } catch (e) {
      if (!(e instanceof ExchangeFailure)) throw e;
      probe.failure = e.failure;
    }
    return probe;
  };
  return { url: url.href, transport, origin: await send('origin', FOREIGN_ORIGIN), host: await send('host', FOREIGN_HOST) };
}
