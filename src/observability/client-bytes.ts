// Client-side bytes by route (frontdoor_client_received_bytes_total, frontdoor_client_sent_bytes_total):
// what crossed the client connections, read from each socket's own counters, so HTTP heads, bodies,
// SSE framing and keep-alive comments all count. A connection's bytes belong to the route of the
// request it last carried (the head of a request that changes a connection's route is counted with
// the previous one). They are moved into the counters when /metrics is rendered, when the
// connection carries a request of another route, and when it closes: a request costs one map lookup.
import type { Socket } from 'node:net';
import type { CounterSeries } from './prom-series.js';

/** The counter series of one route. */
export interface ByteCounters {
  readonly received: CounterSeries;
  readonly sent: CounterSeries;
}

interface Mark {
  route: ByteCounters;
  /** The socket's bytesRead and bytesWritten already counted. */
  read: number;
  written: number;
}

export class ClientBytes {
  /** Open connections that carried a route's request. */
  private readonly marks = new Map<Socket, Mark>();
  /**
   * One listener for every connection's 'close' (called with the socket as `this`): an idle session
   * holds its connection, and a closure per connection (or once()'s wrapper) would cost each more.
   */
  private readonly onClose: (this: Socket) => void;

  constructor() {
    const marks = this.marks;
    const settle = (socket: Socket, mark: Mark) => this.settle(socket, mark);
    this.onClose = function (this: Socket) {
      const mark = marks.get(this);
      if (mark === undefined) return;
      settle(this, mark);
      marks.delete(this);
    };
  }

  /** A request of `route` arrived on `socket`. */
  request(socket: Socket, route: ByteCounters): void {
    const mark = this.marks.get(socket);
    if (mark === undefined) {
      this.marks.set(socket, { route, read: 0, written: 0 });
      socket.on('close', this.onClose); // 'close' comes once
      return;
    }
    if (mark.route === route) return;
    // Everything so far is the previous route's: its answers, and its requests' bodies (a client sends
    // the next request once it has the answer). Only this request's head, read just now, is counted
    // with them: a few hundred bytes, rather than splitting every request with a listener of its own.
    this.settle(socket, mark);
    mark.route = route;
  }

  /** Moves every open connection's new bytes into the counters (before rendering). */
  collect(): void {
    for (const [socket, mark] of this.marks) this.settle(socket, mark);
  }

  /** Connections being counted. */
  get size(): number {
    return this.marks.size;
  }

  private settle(socket: Socket, mark: Mark): void {
    const read = socket.bytesRead;
    // bytesWritten includes what is still queued, and drops it again when a socket is destroyed with
    // it unsent: a counter never goes back.
    const written = socket.bytesWritten;
    if (read > mark.read) {
      mark.route.received.value += read - mark.read;
      mark.read = read;
    }
    if (written > mark.written) {
      mark.route.sent.value += written - mark.written;
      mark.written = written;
    }
  }
}
