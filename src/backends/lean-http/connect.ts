// A socket to a backend, plain or TLS. SNI names the Host the request will carry (a configured Host
// header, as node:http's agent did), never an IP address; ALPN offers HTTP/1.1 only.
import net from 'node:net';
import tls from 'node:tls';

export function connectTo(url: URL, hostHeader: string, keepAliveMs: number): net.Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const sni = hostHeader.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  const socket =
    url.protocol === 'https:'
      ? tls.connect({ host, port, servername: net.isIP(sni) ? undefined : sni, ALPNProtocols: ['http/1.1'] })
      : net.connect({ host, port });
  socket.setNoDelay(true);
  // TCP keep-alive probes: a backend host that vanished (no FIN, no RST) is noticed.
  socket.setKeepAlive(true, keepAliveMs);
  return socket;
}
