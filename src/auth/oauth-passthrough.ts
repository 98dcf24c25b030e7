// Passes a backend's own OAuth surface through the proxy (route auth.mode: passthrough): discovery
// documents, registration, token and authorize endpoints go to the backend, and every URL in the
// answers that names the backend is rewritten to the proxy's public URL (oauth-rewrite.ts).
// http-proxy does the relaying; metadata answers are read whole so they can be rewritten.
import type { IncomingMessage, ServerResponse } from 'node:http';
import httpProxy from 'http-proxy';
import type { Logger } from 'pino';
import {
  protectedResourceMetadataUrl,
  rewriteAuthorizationServerMetadata,
  rewriteProtectedResourceMetadata,
  rewriteWwwAuthenticate,
  type OAuthRewrite,
} from './oauth-rewrite.js';

const MAX_METADATA_BYTES = 256 * 1024;
// Hop-by-hop headers (RFC 9110 §7.6.1) and those that change when the body is rewritten.
const DROP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'proxy-authenticate', 'trailer', 'te']);

export interface OAuthPassthrough {
  /** Relays one request; `backendPath` is the path (and query) to ask the backend for. */
  handle(req: IncomingMessage, res: ServerResponse, backendPath: string, rewrite: OAuthRewrite): void;
  close(): void;
}

export function createOAuthPassthrough(backendOrigin: string, log: Logger): OAuthPassthrough {
  const proxy = httpProxy.createProxyServer({ target: backendOrigin, changeOrigin: true, selfHandleResponse: true, xfwd: false, proxyTimeout: 30_000 });
  proxy.on('error', (err, req, res) => {
    log.warn({ reason: 'oauth_passthrough_failed', path: pathOf(req), err: err.message }, 'the backend did not answer an OAuth request');
    const r = res as ServerResponse;
    if (!r.headersSent) r.writeHead(502, { 'content-type': 'application/json' });
    // The cause (an internal address, a DNS name) is for the log, not for the client.
    r.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'the MCP server behind this proxy did not answer (HTTP 502)' }));
  });
  proxy.on('proxyRes', (proxyRes, req, res) => {
    const { rewrite } = (req as IncomingMessage & { frontdoor: { rewrite: OAuthRewrite } }).frontdoor;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(proxyRes.headers)) if (v !== undefined && !DROP.has(k)) headers[k] = v;
    const challenge = proxyRes.headers['www-authenticate'];
    if (typeof challenge === 'string') headers['www-authenticate'] = rewriteWwwAuthenticate(challenge, protectedResourceMetadataUrl(rewrite.proxyResource));
    // The path only: a query (an authorize request's state, a code) is neither logged nor matched.
    const path = pathOf(req);
    const kind = path.includes('oauth-protected-resource')
      ? 'prm'
      : path.includes('oauth-authorization-server') || path.includes('openid-configuration')
        ? 'as'
        : undefined;
    const isJson = String(proxyRes.headers['content-type'] ?? '').includes('json');
    if (!kind || !isJson || proxyRes.statusCode !== 200) {
      res.writeHead(proxyRes.statusCode ?? 502, headers);
      proxyRes.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    proxyRes.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_METADATA_BYTES) chunks.push(c);
    });
    proxyRes.on('end', () => {
      let body = Buffer.concat(chunks).toString('utf8');
      try {
        const doc = JSON.parse(body) as Record<string, unknown>;
        body = JSON.stringify(kind === 'prm' ? rewriteProtectedResourceMetadata(doc, rewrite) : rewriteAuthorizationServerMetadata(doc, rewrite));
      } catch {
        log.warn({ reason: 'oauth_metadata_not_json', path }, 'relayed backend OAuth metadata unchanged: not JSON');
      }
      res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  return {
    handle(req, res, backendPath, rewrite) {
      (req as IncomingMessage & { frontdoor: { rewrite: OAuthRewrite } }).frontdoor = { rewrite };
      req.url = backendPath;
      // The browser's Origin and our client's cookies are not the backend's business.
      delete req.headers.origin;
      proxy.web(req, res);
    },
    close() {
      proxy.close();
    },
  };
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}
