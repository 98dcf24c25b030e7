// Attacks on the proxy's edge: DNS rebinding against a wildcard bind, /metrics read from a foreign
// page, a forged X-Forwarded-Prefix steering the legacy endpoint event, and secrets of the backend URL
// in the listening line and print-config.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PROXY_MAIN, PROXY_NODE_FLAGS } from '../helpers/process.js';
import { openStream, request } from '../helpers/http-stream.js';
import { initializeBody } from '../helpers/http.js';
import { withStack, type Attack, type Row } from './attack-stack.js';

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export const rebinding: Attack = {
  name: 'rebinding',
  run: () =>
    withStack(['--host', '0.0.0.0'], async ({ proxy }) => {
      const port = new URL(proxy.origin).port;
      const evil = { host: `evil.example:${port}`, origin: `http://evil.example:${port}` };
      const init = await request(proxy.url, { method: 'POST', headers: { ...JSON_HEADERS, ...evil }, body: initializeBody(1) });
      const sid = init.headers['mcp-session-id'] as string | undefined;
      let call = 'no session';
      if (sid) {
        const c = await request(proxy.url, {
          method: 'POST',
          headers: { ...JSON_HEADERS, ...evil, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'pwned' } } }),
        });
        call = `${c.status}${c.body.includes('pwned') ? ' (tool ran)' : ''}`;
      }
      const acao = init.headers['access-control-allow-origin'] ?? 'none';
      return [
        {
          attack: 'DNS rebinding on --host 0.0.0.0 (Host+Origin evil.example)',
          measured: 'initialize status, ACAO header, tools/call',
          figure: `initialize ${init.status}, ACAO ${acao}, tools/call ${call}`,
        },
      ];
    }),
};

export const metricsOrigin: Attack = {
  name: 'metrics-origin',
  run: () =>
    withStack([], async ({ proxy }) => {
      const r = await request(`${proxy.origin}/metrics`, { headers: { origin: 'http://evil.example' } });
      return [
        {
          attack: '/metrics with a foreign Origin',
          measured: 'status, ACAO header',
          figure: `${r.status}, ACAO ${r.headers['access-control-allow-origin'] ?? 'none'}`,
        },
      ];
    }),
};

export const forwardedPrefix: Attack = {
  name: 'forwarded-prefix',
  run: () =>
    withStack([], async ({ proxy }) => {
      const s = await openStream(`${proxy.origin}/sse`, { 'x-forwarded-prefix': '//evil.example' });
      try {
        const ev = await s.waitForEvent((e) => e.event === 'endpoint', 5_000);
        const resolved = new URL(ev.data, `${proxy.origin}/sse`);
        return [
          {
            attack: 'X-Forwarded-Prefix: //evil.example',
            measured: 'legacy endpoint event (host it resolves to)',
            figure: `${ev.data.split('?')[0]} → ${resolved.host}`,
          },
        ];
      } finally {
        s.close();
      }
    }),
};

export const secrets: Attack = {
  name: 'secrets',
  run: async () => {
    const rows: Row[] = [];
    const leaks = (text: string) => ['S3cretPass', 'K3yValue'].filter((s) => text.includes(s)).join(' and ') || 'none';
    await withStack(
      [],
      async ({ proxy }) => {
        const listening = proxy.lines.find((l) => l.includes('"listening"')) ?? '';
        rows.push({
          attack: '--backend http://alice:S3cretPass@host/sse?api_key=K3yValue',
          measured: 'secrets printed in the listening line',
          figure: leaks(listening),
        });
        const url = (proxy.lines.find((l) => l.includes('"listening"')) ?? '').match(/"backends":\["([^"]*)"/)?.[1];
        if (url) rows.push({ attack: '(same)', measured: 'backend URL as logged', figure: url });
      },
      { backendUrl: (u) => u.replace('http://', 'http://alice:S3cretPass@') + '?api_key=K3yValue' },
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'frontdoor-attacks-'));
    try {
      const file = path.join(dir, 'f.yaml');
      writeFileSync(file, 'routes:\n  - path: /\n    backend: { url: "http://alice:S3cretPass@127.0.0.1:9/sse?api_key=K3yValue" }\n');
      const out = execFileSync(process.execPath, [...PROXY_NODE_FLAGS, PROXY_MAIN, 'print-config', '--config', file], { encoding: 'utf8', timeout: 20_000 });
      rows.push({ attack: '(same, in a config file)', measured: 'secrets printed by print-config', figure: leaks(out) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
