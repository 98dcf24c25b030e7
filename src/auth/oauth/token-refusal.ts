// Why an access token was refused, from jose's error codes, as a metric reason and a description
// the client may see (RFC 6750 error_description: no token content, nothing about our keys). Pure.

export interface TokenRefusal {
  /** snake_case, for frontdoor_auth_failures_total{reason} and the log. */
  reason: string;
  description: string;
}

const BY_CODE: Record<string, TokenRefusal> = {
  ERR_JWT_EXPIRED: { reason: 'token_expired', description: 'the access token has expired' },
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: { reason: 'bad_signature', description: "the access token's signature does not verify" },
  ERR_JWKS_NO_MATCHING_KEY: { reason: 'unknown_key', description: "the access token is signed with a key the issuer's key set does not hold" },
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: { reason: 'ambiguous_key', description: "the access token's key is ambiguous in the issuer's key set" },
  ERR_JOSE_ALG_NOT_ALLOWED: { reason: 'algorithm_not_allowed', description: 'the access token is signed with an algorithm this route does not accept' },
  ERR_JWS_INVALID: { reason: 'malformed_token', description: 'the access token is not a well-formed JWT' },
  ERR_JWT_INVALID: { reason: 'malformed_token', description: 'the access token is not a well-formed JWT' },
  ERR_JOSE_NOT_SUPPORTED: { reason: 'algorithm_not_allowed', description: 'the access token uses an unsupported algorithm' },
};

const BY_CLAIM: Record<string, TokenRefusal> = {
  iss: { reason: 'wrong_issuer', description: 'the access token was issued by another authorization server' },
  aud: { reason: 'wrong_audience', description: 'the access token is not meant for this resource (audience)' },
  nbf: { reason: 'token_not_yet_valid', description: 'the access token is not valid yet' },
  exp: { reason: 'token_expired', description: 'the access token has no valid expiry' },
  iat: { reason: 'invalid_claims', description: 'the access token has an invalid issued-at time' },
};

export function tokenRefusal(e: unknown): TokenRefusal | undefined {
  const err = e as { code?: string; claim?: string };
  if (err.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED')
    return BY_CLAIM[err.claim ?? ''] ?? { reason: 'invalid_claims', description: 'the access token has invalid claims' };
  return err.code ? BY_CODE[err.code] : undefined;
}
