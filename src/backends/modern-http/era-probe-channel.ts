// `backend.era: auto`: a channel that starts as a 2025 Streamable HTTP channel and becomes a 2026-07-28
// one when the backend refuses the client's `initialize` as a modern-only server does (era-evidence.ts).
// The probe is the handshake itself: a handshake-era backend costs nothing extra. The link above
// sees one channel either way (the same handlers; the replaced channel is closed on purpose, so it
// never reports a drop).
import type { Channel, SendOptions } from '../channel.js';
import { isProxyError } from '../../errors/proxy-error.js';
import { isRequest, type JsonRpcMessage } from '../../jsonrpc/message.js';

/** The reason of the ProxyError a 2025 channel throws when `initialize` met a modern-only server. */
export const MODERN_ONLY_REASON = 'backend_modern_only';

export class EraProbeChannel implements Channel {
  private switched = false;

  constructor(
    private current: Channel,
    /** Builds the 2026-07-28 channel with the same handlers; called at most once. */
    private readonly modern: () => Channel,
  ) {}

  get description(): string {
    return this.current.description;
  }

  async send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    try {
      await this.current.send(message, options);
    } catch (e) {
      const probe = !this.switched && isRequest(message) && message.method === 'initialize';
      if (!probe || !isProxyError(e) || e.reason !== MODERN_ONLY_REASON) throw e;
      this.switched = true;
      const handshake = this.current;
      this.current = this.modern();
      await handshake.close().catch(() => undefined);
      await this.current.send(message, options);
    }
  }

  close(): Promise<void> {
    return this.current.close();
  }

  pause(): void {
    this.current.pause?.();
  }

  resume(): void {
    this.current.resume?.();
  }
}
