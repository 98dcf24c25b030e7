#!/usr/bin/env node
// A small legacy HTTP+SSE MCP server (2024-11-05 transport) that ships with the proxy, so that
// `npm start` has something real to front. Deliberately dependency-free: it runs from an
// installed package where the MCP SDK (a devDependency) is absent.
import { createServer, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '39121' }, host: { type: 'string', default: '127.0.0.1' } } });

const TOOLS = [
  { name: 'echo', description: 'Returns the text it is given', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  {
    name: 'add',
    description: 'Adds two numbers',
    inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
  },
  { name: 'time', description: 'The server clock, ISO 8601', inputSchema: { type: 'object', properties: {} } },
];

type RpcParams = { protocolVersion?: unknown; name?: string; arguments?: Record<string, unknown>; uri?: string };
type Rpc = { jsonrpc: '2.0'; id?: string | number; method?: string; params?: RpcParams };

function answer(req: Rpc): unknown {
  switch (req.method) {
    case 'initialize':
      return {
        protocolVersion: typeof req.params?.protocolVersion === 'string' ? req.params.protocolVersion : '2024-11-05',
        capabilities: { tools: {}, resources: {} },
        serverInfo: { name: 'mcp-frontdoor-demo', version: '1.0.0' },
        instructions: 'A demo legacy SSE server behind mcp-frontdoor.',
      };
    case 'ping':
      return {};
    case 'tools/list':
      return { tools: TOOLS };
    case 'tools/call': {
      const args = req.params?.arguments ?? {};
      const text =
        req.params?.name === 'echo'
          ? String(args.text ?? '')
          : req.params?.name === 'add'
            ? String(Number(args.a) + Number(args.b))
            : req.params?.name === 'time'
              ? new Date().toISOString()
              : undefined;
      if (text === undefined) throw { code: -32602, message: `unknown tool ${req.params?.name}` };
      return { content: [{ type: 'text', text }] };
    }
    case 'resources/list':
      return { resources: [{ uri: 'demo://about', name: 'about', mimeType: 'text/plain' }] };
    case 'resources/read':
      if (req.params?.uri !== 'demo://about') throw { code: -32002, message: 'resource not found' };
      return { contents: [{ uri: 'demo://about', mimeType: 'text/plain', text: 'This server speaks only the legacy HTTP+SSE transport.' }] };
    default:
      throw { code: -32601, message: `method not found: ${req.method}` };
  }
}

/** Serves until SIGTERM/SIGINT; each client's event stream by the session id it was given. */
function serveDemo(port: number, host: string): void {
  const streams = new Map<string, ServerResponse>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const id = randomUUID();
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`);
      streams.set(id, res);
      res.on('close', () => streams.delete(id));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      const stream = streams.get(url.searchParams.get('sessionId') ?? '');
      if (!stream) {
        res.writeHead(404).end('Could not find session');
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        let msg: Rpc;
        try {
          msg = JSON.parse(body) as Rpc;
        } catch {
          res.writeHead(400).end('Invalid JSON');
          return;
        }
        res.writeHead(202).end('Accepted');
        if (msg.id === undefined || msg.method === undefined) return; // notifications and responses
        let reply: unknown;
        try {
          reply = { jsonrpc: '2.0', id: msg.id, result: answer(msg) };
        } catch (e) {
          reply = { jsonrpc: '2.0', id: msg.id, error: e };
        }
        stream.write(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });

  server.listen(port, host, () => {
    process.stdout.write(`demo legacy SSE MCP server on http://${host}:${port}/sse\n`);
  });
  const stop = () => {
    for (const s of streams.values()) s.end();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

serveDemo(Number(values.port), values.host);
