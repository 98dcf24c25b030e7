// The one decoder of backend messages, for every transport: JSON (one message or a batch) bounded in
// nesting (limits.maxJsonDepth: deep values overflow the stack wherever they are walked later), each
// item checked to be JSON-RPC 2.0. What cannot be used is skipped and reported, never fatal.
import { classify, type JsonRpcMessage } from '../jsonrpc/message.js';
import { nestsDeeperThan } from '../jsonrpc/json-depth.js';

export type DecodeProblem = 'backend_bad_json' | 'backend_not_jsonrpc' | 'backend_json_too_deep';

export function decodeMessages(text: string, maxDepth: number, onProblem: (reason: DecodeProblem, bytes: number) => void): JsonRpcMessage[] {
  if (nestsDeeperThan(text, maxDepth)) {
    onProblem('backend_json_too_deep', text.length);
    return [];
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    onProblem('backend_bad_json', text.length);
    return [];
  }
  const out: JsonRpcMessage[] = [];
  for (const item of Array.isArray(value) ? value : [value]) {
    if (classify(item) === undefined) onProblem('backend_not_jsonrpc', text.length);
    else out.push(item as JsonRpcMessage);
  }
  return out;
}

/** Log text for each problem. */
export const DECODE_PROBLEM_TEXT: Record<DecodeProblem, string> = {
  backend_bad_json: 'skipped a backend message that is not JSON',
  backend_not_jsonrpc: 'skipped a backend message that is not JSON-RPC 2.0',
  backend_json_too_deep: 'skipped a backend message that nests deeper than limits.maxJsonDepth',
};
