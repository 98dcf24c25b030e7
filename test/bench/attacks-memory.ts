// Attacks on the proxy's memory: a client stream nobody reads while the backend floods, one huge
// backend event, an event that (for all practical purposes) never ends, and stalled upload bodies.
import { connectRaw, postHead, type RawConnection } from '../helpers/raw-socket.js';
import { openStream } from '../helpers/http-stream.js';
import { rawSession } from '../helpers/http.js';
import { callTool, resultText } from '../helpers/rpc.js';
import { MB } from '../helpers/memory.js';
import { fmtMb, hwmMb, rssMb, within, withStack, type Attack } from './attack-stack.js';

export const unreadStream: Attack = {
  name: 'unread-stream',
  run: (opts) =>
    withStack([], async ({ proxy }) => {
      const sid = await rawSession(proxy.url);
      const get = await openStream(proxy.url, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' });
      try {
        const before = rssMb(proxy.pid);
        get.pause();
        const count = Math.round((opts.floodMb * 1_000_000) / 10_000);
        const started = Date.now();
        const done = await within(callTool(proxy.url, sid, 1, 'flood', { count, bytes: 10_000 }, { accept: 'application/json', timeoutMs: 120_000 }), 120_000);
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        const after = rssMb(proxy.pid);
        get.resume();
        const ended = await get.waitEnded(10_000);
        return [
          {
            attack: `GET stream not read while the backend floods ${opts.floodMb} MB`,
            measured: 'proxy RSS before → peak / after; stream ended?',
            figure: `${fmtMb(before)} → ${fmtMb(hwmMb(proxy.pid))} peak, ${fmtMb(after)} after (${done === 'timeout' ? 'flood call timed out' : `flood done in ${secs} s`}); stream ${ended === 'ended' ? 'ended' : 'still open'}`,
          },
        ];
      } finally {
        get.close();
      }
    }),
};

export const bigEvent: Attack = {
  name: 'big-event',
  run: (opts) =>
    withStack([], async ({ proxy }) => {
      const sid = await rawSession(proxy.url);
      const before = rssMb(proxy.pid);
      const r = await within(callTool(proxy.url, sid, 1, 'huge', { bytes: opts.eventMb * MB }, { timeoutMs: 120_000 }), 120_000);
      const outcome =
        r === 'timeout'
          ? 'no answer in 120 s'
          : r.response?.error
            ? `error ${r.response.error.data?.code ?? r.response.error.code}`
            : `delivered ${resultText(r.response).length} chars`;
      return [
        {
          attack: `${opts.eventMb} MB backend event`,
          measured: 'proxy RSS before → peak; outcome',
          figure: `${fmtMb(before)} → ${fmtMb(hwmMb(proxy.pid))} peak; ${outcome}`,
        },
      ];
    }),
};

export const endlessEvent: Attack = {
  name: 'endless-event',
  run: (opts) =>
    withStack([], async ({ proxy, fixture }) => {
      const sid = await rawSession(proxy.url);
      const before = rssMb(proxy.pid);
      const started = Date.now();
      const endless = callTool(proxy.url, sid, 1, 'endless', { bytes: opts.endlessMb * MB }, { timeoutMs: 120_000 }).catch((e: Error) => e);
      // The next request on the same session, sent once the backend is writing the event.
      await fixture.waitForLine((l) => l.received === 'tools/call' && (l.params as { name?: string })?.name === 'endless');
      const echo = await within(
        callTool(proxy.url, sid, 2, 'echo', { text: 'next' }, { timeoutMs: 60_000 }).catch((e: Error) => e),
        60_000,
      );
      const echoSecs = ((Date.now() - started) / 1000).toFixed(1);
      const first = await within(endless, 60_000);
      const echoed = echo !== 'timeout' && !(echo instanceof Error) && resultText(echo.response) === 'next';
      const firstOutcome =
        first === 'timeout'
          ? 'no answer'
          : first instanceof Error
            ? first.message
            : first.response?.error
              ? `error ${first.response.error.data?.code}`
              : `delivered ${resultText(first.response).length} chars`;
      return [
        {
          attack: `an event that does not end for ${opts.endlessMb} MB (never-ending event)`,
          measured: 'proxy RSS before → peak; that request; next echo on the session',
          figure: `${fmtMb(before)} → ${fmtMb(hwmMb(proxy.pid))} peak; request: ${firstOutcome}; next echo ${echoed ? `answered after ${echoSecs} s` : 'not answered'}`,
        },
      ];
    }),
};

export const stalledBodies: Attack = {
  name: 'stalled-bodies',
  run: () =>
    withStack([], async ({ proxy }) => {
      const host = new URL(proxy.origin).host;
      const before = rssMb(proxy.pid);
      const body = Buffer.alloc(4_000_000 - 1, 0x20);
      const conns: RawConnection[] = [];
      const written: Array<Promise<void>> = [];
      try {
        for (let i = 0; i < 200; i++) {
          const c = await connectRaw(proxy.origin);
          conns.push(c);
          c.write(postHead('/mcp', host, { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': 4_000_000 }));
          // Written up to the last byte, which never comes: the body stalls.
          written.push(new Promise((resolve) => c.socket.write(body, () => resolve())));
        }
        // Wait until every body was taken by the proxy or refused (closed / answered), bounded.
        await within(Promise.all(written.map((w, i) => Promise.race([w, conns[i]!.waitClosed(30_000).then(() => undefined)]))), 30_000);
        const answered = (await Promise.all(conns.map((c) => c.waitResponse(0)))).filter((r) => r !== undefined);
        const statuses = new Map<number, number>();
        for (const r of answered) statuses.set(r!.status, (statuses.get(r!.status) ?? 0) + 1);
        const after = rssMb(proxy.pid);
        return [
          {
            attack: '200 stalled 4 MB bodies, no session',
            measured: 'proxy RSS delta; answers',
            figure: `+${fmtMb(after - before)} (${fmtMb(before)} → ${fmtMb(after)}); answers: ${statuses.size === 0 ? 'none' : [...statuses].map(([s, n]) => `${n}× ${s}`).join(', ')}`,
          },
        ];
      } finally {
        for (const c of conns) c.destroy();
      }
    }),
};
