// A second haproxy in front of a cluster's replicas that sends each session to the replica holding
// it: it learns the replica from the Mcp-Session-Id header of the initialize answer (a stick table)
// and matches the same header on later requests. Nothing is forwarded behind it: the bench's control.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, haproxyConfig } from '../helpers/cluster.js';
import { startProcess } from '../helpers/process.js';

const READY_MS = 10_000;

export async function startStickyBalancer(servers: string[]): Promise<{ origin: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const sticky = [
    '  stick-table type string len 64 size 100k expire 30m',
    '  stick on req.hdr(mcp-session-id)',
    '  stick store-response res.hdr(mcp-session-id)',
  ];
  const cfg = haproxyConfig(port, servers).replace('  balance roundrobin\n', `  balance roundrobin\n${sticky.join('\n')}\n`);
  if (!cfg.includes('stick on')) throw new Error('the haproxy config of test/helpers/cluster.ts changed: no balance line to follow');
  const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-sticky-'));
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const proc = startProcess('haproxy', ['-f', file, '-db']);
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + READY_MS;
  for (;;) {
    const ok = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`the sticky haproxy did not answer on ${origin} within ${READY_MS} ms`);
    await new Promise((r) => setTimeout(r, 50)); // haproxy signals no readiness: its health answer is the signal, polled
  }
  return {
    origin,
    pid: proc.pid,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
