// The method label of the request metrics. A JSON-RPC method is client input: only the requests a
// client sends a server in MCP (2025-11-25, with the tasks of that revision) are label values, every
// other method is counted under `_other`, so that a client cannot create series at will. Pure.

export const OTHER_LABEL = '_other';

const CLIENT_REQUESTS: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
]);

export function methodLabel(method: string): string {
  return CLIENT_REQUESTS.has(method) ? method : OTHER_LABEL;
}
