// The bytes of request bodies being received at once, over every client (limits.maxBufferedBodyBytes).
// Each body is held whole before it is parsed, so without a shared bound a few hundred clients that
// send most of a large body and then stall hold gigabytes. A body reserves its declared length
// up front (or its bytes as they come, when chunked) and releases it once parsed or refused.
export class BodyBudget {
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Reserves `bytes`; false when that would go over the budget. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
