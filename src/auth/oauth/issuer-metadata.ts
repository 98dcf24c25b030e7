// The authorization server's metadata, found the way MCP clients find it (MCP authorization,
// Authorization Server Metadata Discovery): RFC 8414 with the issuer's path inserted after
// /.well-known/, then OpenID Connect Discovery with it appended. The `issuer` inside MUST equal the
// configured one (RFC 8414 §3.3), or a document served elsewhere could name another key set.
import type { BackendHttpClient } from '../../backends/http-client.js';
import { fetchJson, FetchJsonError } from './fetch-json.js';

export interface IssuerMetadata {
  issuer: string;
  jwksUri: URL;
  introspectionEndpoint: URL | undefined;
}

/** The discovery URLs for an issuer, in the order MCP clients try them. */
export function discoveryUrls(issuer: string): URL[] {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const urls = [`${u.origin}/.well-known/oauth-authorization-server${path}`, `${u.origin}/.well-known/openid-configuration${path}`];
  if (path !== '') urls.push(`${u.origin}${path}/.well-known/openid-configuration`);
  return [...new Set(urls)].map((s) => new URL(s));
}

export function sameIssuer(a: string, b: string): boolean {
  // A trailing slash is the one difference identity providers are known to vary on.
  return a.replace(/\/$/, '') === b.replace(/\/$/, '');
}

function urlField(doc: Record<string, unknown>, field: string, where: URL): URL | undefined {
  const v = doc[field];
  if (v === undefined) return undefined;
  try {
    if (typeof v === 'string') {
      const u = new URL(v);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u;
    }
  } catch {
    // reported below
  }
  throw new FetchJsonError(`${where.href}: ${field} is not an http(s) URL`);
}

export async function discoverIssuer(issuer: string, http: BackendHttpClient, timeoutMs: number): Promise<IssuerMetadata> {
  const failures: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    let doc: Record<string, unknown>;
    try {
      doc = await fetchJson(url, { http, timeoutMs });
    } catch (e) {
      failures.push((e as Error).message);
      continue;
    }
    if (typeof doc.issuer !== 'string' || !sameIssuer(doc.issuer, issuer)) {
      throw new FetchJsonError(`${url.href} names issuer ${JSON.stringify(doc.issuer)}, not the configured ${issuer}`);
    }
    const jwksUri = urlField(doc, 'jwks_uri', url);
    if (!jwksUri) throw new FetchJsonError(`${url.href} has no jwks_uri: the proxy cannot check token signatures`);
    return { issuer: doc.issuer, jwksUri, introspectionEndpoint: urlField(doc, 'introspection_endpoint', url) };
  }
  throw new FetchJsonError(`no authorization server metadata for ${issuer}: ${failures.join('; ')}`);
}
