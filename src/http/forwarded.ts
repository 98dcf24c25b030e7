// What a reverse proxy in front of us tells about the client: its address (X-Forwarded-For), the
// scheme and host it used (X-Forwarded-Proto/-Host) and the path in front of ours
// (X-Forwarded-Prefix). Believed only from trusted peers (listen.trustProxy), and validated: the
// prefix ends up in the legacy `endpoint` event that clients POST to, so `//evil.example` (a
// scheme-relative URL: another host) or dot segments must never get through. Pure.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { plainAddress, type TrustedPeer } from './trusted-proxies.js';

export interface PublicAddress {
  /** The path in front of the proxy's routes ('' or '/base'): X-Forwarded-Prefix, else the public URL's path. */
  prefix(req: IncomingMessage): string;
  /** The proxy's base URL as this client reached it: the public URL, else scheme and host, plus the prefix. */
  base(req: IncomingMessage): string;
  /** The client's address: the socket peer, or the first untrusted hop of X-Forwarded-For. */
  client(req: IncomingMessage): string;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** A path prefix: `/seg/seg`, unreserved characters only, no empty, `.` or `..` segment. */
export function validPrefix(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().replace(/\/+$/, '');
  if (v === '') return '';
  if (!/^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/.test(v)) return undefined;
  if (v.split('/').some((seg) => seg === '.' || seg === '..')) return undefined;
  return v;
}

/** A host header value: a name or IP literal with an optional port. */
function validHost(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v || v.length > 255) return undefined;
  return /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(v) ? v : undefined;
}

export function createPublicAddress(opts: { publicUrl: string | undefined; listenHost: string; listenPort: number; trusted: TrustedPeer }): PublicAddress {
  const publicUrl = opts.publicUrl ? new URL(opts.publicUrl) : undefined;
  const publicPath = publicUrl ? publicUrl.pathname.replace(/\/+$/, '') : '';
  const trusted = (req: IncomingMessage) => opts.trusted(req.socket.remoteAddress);

  const prefix = (req: IncomingMessage): string => {
    if (trusted(req)) {
      const forwarded = validPrefix(first(req.headers['x-forwarded-prefix']));
      if (forwarded !== undefined) return forwarded;
    }
    return publicPath;
  };

  return {
    prefix,
    base(req) {
      if (publicUrl) return `${publicUrl.origin}${prefix(req)}`;
      let scheme = 'http';
      let host = validHost(req.headers.host) ?? `${opts.listenHost}:${opts.listenPort}`;
      if (trusted(req)) {
        const proto = first(req.headers['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
        if (proto === 'http' || proto === 'https') scheme = proto;
        host = validHost(first(req.headers['x-forwarded-host'])?.split(',')[0]) ?? host;
      }
      return `${scheme}://${host}${prefix(req)}`;
    },
    client(req) {
      const peer = plainAddress(req.socket.remoteAddress ?? 'unknown');
      if (!trusted(req)) return peer;
      const header = req.headers['x-forwarded-for'];
      const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => plainAddress(h.trim()));
      // Walk from the nearest hop back: the first address no trusted proxy vouches for is the client.
      let client = peer;
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = hops[i]!;
        if (isIP(hop) === 0) break;
        client = hop;
        if (!opts.trusted(hop)) break;
      }
      return client;
    },
  };
}
