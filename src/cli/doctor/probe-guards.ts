// Does the server guard against DNS rebinding? The initialize that worked, sent again with a foreign
// `Origin` (what a page in a browser sends), then with a foreign `Host` (what a rebound name sends).
// Only a refusal of that same initialize says something: a session-less request (a ping) gets 400
// from many servers for want of a session, whatever its Origin. When the foreign Origin is refused,
// the server's own origins are tried, to tell which Origin it accepts.
import type { GuardProbes, HeaderVariant } from './probe-results.js';
import { probeVariant } from './probe-variant.js';

/** RFC 6761: `.invalid` never resolves, so no real site can send this Origin or Host. */
export const FOREIGN_ORIGIN = 'http://doctor.invalid';
export const FOREIGN_HOST = 'doctor.invalid';

export async function probeGuards(url: URL, transport: GuardProbes['transport'], timeoutMs: number, headers: Record<string, string>): Promise<GuardProbes> {
  const variant = (name: 'origin' | 'host', value: string) =>
    probeVariant(url, transport, { ...headers, [name]: value }, timeoutMs, `${name === 'origin' ? 'Origin' : 'Host'}: ${value}`);
  const origin = await variant('origin', FOREIGN_ORIGIN);
  const host = await variant('host', FOREIGN_HOST);
  const ownOrigins: HeaderVariant[] = [];
  if (!origin.accepted && origin.answer) {
    for (const candidate of ownOriginsOf(url)) {
      const v = await variant('origin', candidate);
      ownOrigins.push(v);
      if (v.accepted) break;
    }
  }
  return { url: url.href, transport, origin, host, ownOrigins };
}

/** The URL's own origin, and its loopback twin (servers on localhost often allow only one spelling). */
function ownOriginsOf(url: URL): string[] {
  const port = url.port ? `:${url.port}` : '';
  const twin = { '127.0.0.1': 'localhost', localhost: '127.0.0.1', '[::1]': 'localhost' }[url.hostname];
  return twin ? [url.origin, `${url.protocol}//${twin}${port}`] : [url.origin];
}
