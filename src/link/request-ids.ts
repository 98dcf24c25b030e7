// Backend request ids, unique in the whole process and not guessable. Every backend channel used to
// number its requests 1, 2, 3…, so a backend that sends a response to the wrong connection (a
// broadcast, as supergateway 4.0.0 does with --outputTransport sse) handed one client another
// client's answer. Ids from this source never repeat across links, and their low bits are random, so
// a response can only match the request it answers; anything else is a stray (dropped, counted).
// Numbers, not strings: every server accepts numeric ids.
import { randomInt } from 'node:crypto';

/** Random bits below the counter: 2^20 values per id. */
const RANDOM_BITS = 20;
const RANDOM_SPAN = 2 ** RANDOM_BITS;

export class RequestIds {
  /** Starts at a random point so two proxy processes on one backend do not share a sequence. */
  private counter = randomInt(0, 2 ** 31);

  next(): number {
    // counter × 2^20 + random stays below 2^53 (a safe integer) for 2^33 requests.
    return this.counter++ * RANDOM_SPAN + randomInt(0, RANDOM_SPAN);
  }
}
