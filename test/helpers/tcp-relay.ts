// A TCP relay on loopback in front of one replica, used as the address it advertises to the others
// (cluster.advertise): a test counts the connections the other replicas open to it, and can fail one
// the way a real owner does: close a kept-alive connection just as a request arrives on it, or read
// a request and vanish before answering. Every socket is closed by close().
import { connect, createServer, type Server, type Socket } from 'node:net';

interface Pair {
  down: Socket;
  up: Socket;
  /** The replica has sent something back on this connection: it has carried a request. */
  answered: boolean;
}

export class TcpRelay {
  /** Connections accepted so far. */
  connections = 0;
  private targetPort = 0;
  private armed: 'drop-reused' | 'cut-answer' | undefined;
  private readonly pairs = new Set<Pair>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {
    server.on('connection', (down) => this.relay(down));
  }

  static async start(): Promise<TcpRelay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpRelay(server, (server.address() as { port: number }).port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Where connections go (the replica's own port, known once it listens). */
  target(port: number): void {
    this.targetPort = port;
  }

  /** The next bytes that arrive on a connection that carried a request before are dropped with it, unread. */
  dropNextReused(): void {
    this.armed = 'drop-reused';
  }

  /** The next answer is not passed on (a `100 Continue` before it is): its connection is closed instead. */
  cutNextAnswer(): void {
    this.armed = 'cut-answer';
  }

  async close(): Promise<void> {
    for (const p of this.pairs) this.end(p);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(down: Socket): void {
    this.connections++;
    const pair: Pair = { down, up: connect(this.targetPort, '127.0.0.1'), answered: false };
    this.pairs.add(pair);
    const { up } = pair;
    down.on('data', (chunk: Buffer) => {
      if (this.armed === 'drop-reused' && pair.answered) {
        this.armed = undefined;
        this.end(pair);
      } else up.write(chunk);
    });
    up.on('data', (chunk: Buffer) => {
      if (this.armed === 'cut-answer') {
        const text = chunk.toString('latin1');
        const interim = text.startsWith('HTTP/1.1 100') ? text.indexOf('\r\n\r\n') + 4 : 0;
        if (interim > 0) down.write(chunk.subarray(0, interim));
        if (interim === chunk.length) return;
        this.armed = undefined;
        this.end(pair);
        return;
      }
      pair.answered = true;
      down.write(chunk);
    });
    for (const s of [down, up]) {
      s.on('error', () => this.end(pair));
      s.on('close', () => this.end(pair));
    }
  }

  private end(pair: Pair): void {
    this.pairs.delete(pair);
    pair.down.destroy();
    pair.up.destroy();
  }
}
