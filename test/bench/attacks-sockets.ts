// Attacks with connections: sockets that hold the proxy without completing a request, and a flood
// of initializes under a realistic open-file limit (each session holds a backend connection).
import { readdirSync, readlinkSync } from 'node:fs';
import { connectRaw, postHead } from '../helpers/raw-socket.js';
import { initializeBody } from '../helpers/http.js';
import { metricValue } from '../helpers/metrics.js';
import { request } from '../helpers/http-stream.js';
import { fmtMb, hwmMb, within, withStack, type Attack } from './attack-stack.js';

export const hostileSockets: Attack = {
  name: 'hostile-sockets',
  run: (opts) =>
    withStack([], async ({ proxy }) => {
      const host = new URL(proxy.origin).host;
      const idle = await connectRaw(proxy.origin);
      const partial = await connectRaw(proxy.origin);
      partial.write(`POST /mcp HTTP/1.1\r\nhost: ${host}\r\ncontent-type: appl`);
      const chunked = await connectRaw(proxy.origin);
      chunked.write(
        postHead('/mcp', host, { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'transfer-encoding': 'chunked' }),
      );
      chunked.write('8\r\n{"jsonrp\r\n');
      const started = Date.now();
      const holdMs = opts.holdSeconds * 1000;
      const verdict = async (name: string, c: typeof idle) => {
        const closed = await c.waitClosed(holdMs);
        const res = await c.waitResponse(0);
        const answer = res ? `, answered ${res.status}` : '';
        return closed
          ? `${name} closed after ${((Date.now() - started) / 1000).toFixed(1)} s${answer}`
          : `${name} still open after ${opts.holdSeconds} s${answer}`;
      };
      try {
        const figures = await Promise.all([verdict('idle', idle), verdict('partial headers', partial), verdict('endless chunked body', chunked)]);
        return figures.map((figure, i) => ({
          attack: ['idle socket (sends nothing)', 'partial headers, then silence', 'chunked POST body that never ends'][i]!,
          measured: `closed by the proxy within ${opts.holdSeconds} s?`,
          figure,
        }));
      } finally {
        for (const c of [idle, partial, chunked]) c.destroy();
      }
    }),
};

/** Sockets a process holds open (its backend connections, for the fixture). */
function socketCount(pid: number): number {
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      /* closed meanwhile */
    }
  }
  return n;
}

/** A probe on a fresh connection, as a load balancer's or kubelet's health check makes it. */
async function status(url: string): Promise<string> {
  try {
    return String((await request(url, { timeoutMs: 3_000 })).status);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return err.code ?? (err.message.startsWith('no answer') ? 'timeout' : err.name);
  }
}

export const initializeFlood: Attack = {
  name: 'initialize-flood',
  run: (opts) =>
    withStack(
      [],
      async ({ proxy, fixture }) => {
        const outcomes = new Map<string, number>();
        const count = (k: string) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
        const health = new Map<string, number>();
        const deadline = Date.now() + opts.floodSeconds * 1000;
        let firstHealthFailureAt: number | undefined;
        const started = Date.now();
        const worker = async (w: number) => {
          for (let i = 0; Date.now() < deadline; i++) {
            try {
              const r = await fetch(proxy.url, {
                method: 'POST',
                headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
                body: initializeBody(w * 1_000_000 + i),
                signal: AbortSignal.timeout(5_000),
              });
              await r.text();
              count(String(r.status));
            } catch (e) {
              const err = e as Error & { cause?: { code?: string } };
              count(err.cause?.code ?? err.name);
            }
          }
        };
        const prober = async () => {
          while (Date.now() < deadline) {
            const s = await status(`${proxy.origin}/healthz`);
            health.set(s, (health.get(s) ?? 0) + 1);
            if (s !== '200' && firstHealthFailureAt === undefined) firstHealthFailureAt = Date.now() - started;
            await new Promise((r) => setTimeout(r, 250));
          }
        };
        await within(Promise.all([...Array.from({ length: 32 }, (_, w) => worker(w)), prober()]), opts.floodSeconds * 1000 + 15_000);
        const metrics = await request(`${proxy.origin}/metrics`, { timeoutMs: 3_000 })
          .then((r) => r.body)
          .catch(() => '');
        const sessions = metricValue(metrics, 'frontdoor_sessions');
        const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
        const after = await status(`${proxy.origin}/healthz`);
        return [
          {
            attack: `initialize flood, ${opts.floodSeconds} s, 32 at a time, proxy under ulimit -n 2048`,
            measured: 'initializes/s; outcomes; live sessions; fixture sockets; proxy peak RSS',
            figure: `${Math.round(total / opts.floodSeconds)}/s; ${[...outcomes].map(([k, v]) => `${v}× ${k}`).join(', ')}; sessions ${sessions ?? '(metrics unanswered)'}; fixture sockets ${socketCount(fixture.pid)}; peak ${fmtMb(hwmMb(proxy.pid))}`,
          },
          {
            attack: '(same)',
            measured: '/healthz during and after the flood',
            figure: `during: ${[...health].map(([k, v]) => `${v}× ${k}`).join(', ')}${firstHealthFailureAt === undefined ? '' : ` (first failure at ${(firstHealthFailureAt / 1000).toFixed(1)} s)`}; after: ${after}`,
          },
        ];
      },
      { openFiles: 2048 },
    ),
};
