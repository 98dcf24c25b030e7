// The digest of the salient params of an MRTR-capable request, bound into `requestState` (MCP
// 2026-07-28, basic/patterns/mrtr: state SHOULD bind the originating request, "method + digest of
// salient params"). A retry repeats the original params plus `inputResponses` and `requestState`, and
// may carry a different `_meta` (progress token, trace context), so only what selects the work counts:
// `name` and `arguments` (tools/call, prompts/get) or `uri` (resources/read).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../jsonrpc/canonical-json.js';
import { isJsonObject } from '../jsonrpc/json-object.js';

/** SHA-256 of the canonical salient params, first 16 bytes, base64url. */
export function paramsDigest(method: string, params: unknown): string {
  const p = isJsonObject(params) ? params : {};
  const salient = method === 'resources/read' ? { uri: p.uri } : { name: p.name, arguments: p.arguments };
  return createHash('sha256').update(canonicalJson(salient), 'utf8').digest().subarray(0, 16).toString('base64url');
}
