// Turns a POST body into JSON-RPC messages, or the error the spec asks for: -32700 for bad JSON,
// -32600 for anything that is not a JSON-RPC 2.0 message. Pure.
import { ProxyError } from '../../errors/proxy-error.js';
import { classify, type JsonRpcId, type JsonRpcMessage } from '../../jsonrpc/message.js';
import { nestsDeeperThan } from '../../jsonrpc/json-depth.js';

export interface ParsedBody {
  messages: JsonRpcMessage[];
  batch: boolean;
}

export class BodyError {
  constructor(
    readonly error: ProxyError,
    readonly id: JsonRpcId | null,
  ) {}
}

export function parseBody(text: string, maxDepth: number): ParsedBody | BodyError {
  if (nestsDeeperThan(text, maxDepth)) {
    return new BodyError(
      new ProxyError('ERR_JSON_TOO_DEEP', 'json_too_deep', `Parse error: the body nests deeper than limits.maxJsonDepth (${maxDepth})`, {
        limit: 'maxJsonDepth',
      }),
      null,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return new BodyError(new ProxyError('ERR_BAD_JSON', 'parse_error', `Parse error: the body is not valid JSON (${(e as Error).message})`), null);
  }
  const batch = Array.isArray(value);
  const items: unknown[] = batch ? (value as unknown[]) : [value];
  if (items.length === 0) {
    return new BodyError(new ProxyError('ERR_NOT_JSONRPC', 'empty_batch', 'Invalid Request: an empty batch'), null);
  }
  for (const item of items) {
    if (classify(item) === undefined) {
      const id = (item as { id?: unknown } | null)?.id;
      const knownId = typeof id === 'string' || typeof id === 'number' ? id : null;
      return new BodyError(
        new ProxyError('ERR_NOT_JSONRPC', 'invalid_request', 'Invalid Request: expected a JSON-RPC 2.0 request, notification or response'),
        knownId,
      );
    }
  }
  return { messages: items as JsonRpcMessage[], batch };
}
