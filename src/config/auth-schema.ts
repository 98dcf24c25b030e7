// A route's `auth` and `tools` sections: who may use the route, and which of its tools they see.
// Part of the one config schema (schema.ts), kept apart because each mode has its own keys.
import { z } from 'zod';
import { duration, httpUrl } from './fields.js';

/** Asymmetric JWS algorithms only: a shared-secret (HS*) or `none` token is never accepted. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https, or http on a loopback host (a local IdP during development and in the tests). */
const secureUrl = httpUrl.refine((v) => {
  const u = new URL(v);
  return u.protocol === 'https:' || LOOPBACK_HOSTS.has(u.hostname);
}, 'expected an https:// URL (http:// only on a loopback host such as 127.0.0.1)');

/** RFC 6749 §3.3: a scope token is printable ASCII without space, quote or backslash. */
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'expected a scope such as mcp:tools (no spaces or quotes)');

/** A tool name or a glob over tool names: `*` any run of characters, `?` one character. */
const toolGlob = z.string().min(1).max(256);

const none = z.object({ mode: z.literal('none') }).strict();

const passthrough = z.object({ mode: z.literal('passthrough') }).strict();

const oauth = z
  .object({
    mode: z.literal('oauth'),
    issuer: secureUrl.describe("the authorization server's issuer; its RFC 8414 or OpenID metadata names the JWKS that signs access tokens"),
    audience: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe("the token audience (`aud`) the route accepts; default: the route's public MCP URL and its SSE URL (RFC 8707 resource indicators)"),
    scopes: z.array(scope).default([]).describe('scopes every request must carry (403 insufficient_scope without them)'),
    clockTolerance: duration('30s').describe('leeway for exp and nbf, for clocks that disagree a little'),
    jwksCooldown: duration('30s').describe(
      'a token signed by a key the proxy does not have makes it fetch the JWKS again (key rotation), at most this often; the bound on what forged kids can cost the IdP',
    ),
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1)
      .default([...JWT_ALGORITHMS])
      .describe('JWS algorithms accepted (asymmetric only)'),
    introspection: z
      .object({
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        endpoint: secureUrl.optional().describe("default: the authorization server's introspection_endpoint"),
        cacheTtl: duration('60s').describe('how long an introspection answer is reused (never past the token expiry): the delay before a revocation is seen'),
      })
      .strict()
      .optional()
      .describe('accept opaque access tokens too, checked with RFC 7662 token introspection'),
  })
  .strict();

const apiKey = z
  .object({
    mode: z.literal('apiKey'),
    keys: z
      .array(z.string().min(16, 'expected an API key of at least 16 characters').max(4096))
      .min(1, 'expected at least one key')
      .describe('accepted keys, sent as Authorization: Bearer <key> or X-API-Key: <key>; use ${ENV} interpolation to keep them out of the file'),
  })
  .strict();

/** A missing `mode` is `none`, as it was before the other modes existed. */
export const authSchema = z
  .preprocess(
    (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) && !('mode' in v) ? { ...v, mode: 'none' } : v),
    z.discriminatedUnion('mode', [none, passthrough, oauth, apiKey], {
      error: 'expected auth.mode none, passthrough, oauth or apiKey',
    }),
  )
  .prefault({})
  .describe(
    'none: no authorization (OAuth probes get JSON 404s). passthrough: the backend runs its own OAuth, relayed with URLs rewritten to the proxy. oauth: the proxy is an OAuth 2.1 resource server and validates access tokens itself. apiKey: a static key per client. With oauth and apiKey, the client credential never reaches the backend',
  );

export const toolsSchema = z
  .object({
    allow: z.array(toolGlob).default(['*']).describe('tools clients may see and call (globs: * and ?)'),
    deny: z.array(toolGlob).default([]).describe('tools hidden and refused even when allowed (deny wins)'),
    scopes: z
      .record(toolGlob, z.array(scope).min(1))
      .default({})
      .describe('auth.mode oauth: scopes a tools/call needs, per tool glob, on top of auth.scopes (403 insufficient_scope, so clients can step up)'),
    auditArguments: z.boolean().default(false).describe('include the arguments in the audit line of each tools/call (they may hold personal data)'),
  })
  .strict()
  .prefault({})
  .describe('which tools of the backend the route exposes; every tools/call is audited (one log line)');

export type AuthConfig = z.output<typeof authSchema>;
export type OAuthConfig = Extract<AuthConfig, { mode: 'oauth' }>;
export type ApiKeyConfig = Extract<AuthConfig, { mode: 'apiKey' }>;
export type ToolsConfig = z.output<typeof toolsSchema>;
