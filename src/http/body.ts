// Reads a request body up to a byte limit. Over the limit: 413, without buffering the rest.
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors/proxy-error.js';

export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.resume(); // drain what the client still sends so our 413 can be read
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (e: Error) => {
      cleanup();
      reject(new ProxyError('ERR_NOT_JSONRPC', 'body_read_failed', `reading the request body failed: ${e.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(maxBytes: number): ProxyError {
  return new ProxyError('ERR_BODY_TOO_LARGE', 'body_too_large', `the request body is larger than limits.maxBodyBytes (${maxBytes} bytes)`, {
    headers: { connection: 'close' },
  });
}
