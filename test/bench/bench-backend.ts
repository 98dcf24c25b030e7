// Minimal legacy HTTP+SSE MCP server used by the bench (test/bench/bench.ts).
//   GET  /sse                      opens an SSE stream (one McpServer per connection)
//   POST /messages?sessionId=...   delivers a JSON-RPC message to that session
// One tool: `echo` {text} -> text (the result's _meta['bench/handlerAt'] is when the handler ran, epoch ms).
// Usage: node dist/test/bench/bench-backend.js [--port N]   (default 0 = ephemeral)
// On listen prints one JSON line: {"listening":"http://127.0.0.1:<port>/sse"}. SIGTERM -> exit 0.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { z } from 'zod';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = Number(argValue('--port') ?? 0);
const transports = new Map<string, SSEServerTransport>();

function newServer(): McpServer {
  const server = new McpServer({ name: 'bench-backend', version: '0.1.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes the text back', inputSchema: { text: z.string() } },
    // _meta carries the wall-clock time (epoch ms, sub-ms precision) at which the handler ran, so the
    // bench can split a call's latency into the hop to the backend and the hop back.
    async ({ text }) => ({ content: [{ type: 'text', text }], _meta: { 'bench/handlerAt': performance.timeOrigin + performance.now() } }),
  );
  return server;
}

const httpServer = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'GET' && url.pathname === '/sse') {
    const transport = new SSEServerTransport('/messages', res);
    const server = newServer();
    transports.set(transport.sessionId, transport);
    transport.onclose = () => {
      transports.delete(transport.sessionId);
      void server.close().catch(() => undefined);
    };
    server.connect(transport).catch((err: unknown) => {
      transports.delete(transport.sessionId);
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
    return;
  }
  if (req.method === 'POST' && url.pathname === '/messages') {
    const sessionId = url.searchParams.get('sessionId') ?? '';
    const transport = transports.get(sessionId);
    if (!transport) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown session');
      return;
    }
    transport.handlePostMessage(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
});

// Keep-alive sockets from the bench client must not be cut mid-run.
httpServer.keepAliveTimeout = 60_000;
httpServer.headersTimeout = 65_000;
httpServer.requestTimeout = 0;

httpServer.listen(port, '127.0.0.1', () => {
  const addr = httpServer.address() as AddressInfo;
  process.stdout.write(JSON.stringify({ listening: `http://127.0.0.1:${addr.port}/sse` }) + '\n');
});

function shutdown(): void {
  for (const t of transports.values()) void t.close().catch(() => undefined);
  httpServer.closeAllConnections();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
