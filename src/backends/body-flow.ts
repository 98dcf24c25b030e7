// Backpressure over the response bodies a channel is reading (a Streamable HTTP backend answers on
// many): paused together, resumed together; a body that starts while paused starts paused.
import type { Readable } from 'node:stream';

export class BodyFlow {
  private readonly bodies = new Set<Readable>();
  private paused = false;

  /** Registers a body being read; returns its unregistration. */
  reading(body: Readable): () => void {
    this.bodies.add(body);
    if (this.paused) body.pause();
    return () => this.bodies.delete(body);
  }

  pause(): void {
    this.paused = true;
    for (const b of this.bodies) b.pause();
  }

  resume(): void {
    this.paused = false;
    for (const b of this.bodies) b.resume();
  }
}
