// auth.mode none and passthrough: the proxy checks no credential itself. In passthrough the backend
// checks each one; the proxy only reads who it claims to be, to keep sessions with their principal.
import { ProxyError } from '../errors/proxy-error.js';
import type { Guard } from './guard.js';
import { passthroughPrincipal } from './principal.js';

const noScopes = () => new ProxyError('ERR_AUTH_SCOPE', 'insufficient_scope', 'Forbidden: this route has no scopes to check');

export const NONE_GUARD: Guard = {
  mode: 'none',
  authenticate: () => undefined,
  insufficientScope: noScopes,
  close: () => undefined,
};

export const PASSTHROUGH_GUARD: Guard = {
  mode: 'passthrough',
  authenticate: (req) => {
    const authorization = req.headers.authorization;
    return authorization === undefined || authorization.trim() === '' ? undefined : passthroughPrincipal(authorization);
  },
  insufficientScope: noScopes,
  close: () => undefined,
};
