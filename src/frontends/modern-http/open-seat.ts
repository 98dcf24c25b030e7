// Opens a seat: the handshake the proxy makes on behalf of a modern client (MCP 2026-07-28, Versioning,
// Backward Compatibility: a server of the per-request era may serve clients through an
// initialization-based peer). The client's `_meta` declaration becomes the `initialize` capabilities,
// its clientInfo the handshake's, and `notifications/initialized` follows at once.
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../../errors/proxy-error.js';
import type { Principal } from '../../auth/principal.js';
import type { Envelope } from '../../era/envelope.js';
import { handshakeCapabilities } from '../../era/capabilities.js';
import { NO_SINK } from '../../session/sink.js';
import { DEFAULT_CLIENT_INFO } from '../../session/session-options.js';
import { asJsonObject } from '../../jsonrpc/json-object.js';
import { LEGACY_VERSIONS } from '../../era/versions.js';
import type { SessionRegistry } from '../../session/registry.js';
import type { ModernFace } from './context.js';
import { Seat } from './seat.js';

/** The newest handshake-era revision: what a seat asks the backend for. */
export const SEAT_PROTOCOL_VERSION = LEGACY_VERSIONS[0];

/** Seats of one identity: the principal, the declared capabilities, the client's name and version. */
export function seatKey(principal: Principal | undefined, envelope: Envelope): string {
  const info = envelope.clientInfo;
  return `${principal?.id ?? ''}\u0000${envelope.canonicalCapabilities}\u0000${info?.name ?? ''}\u0000${info?.version ?? ''}`;
}

export async function openSeat(
  route: string,
  face: ModernFace,
  sessions: SessionRegistry,
  req: IncomingMessage,
  principal: Principal | undefined,
  envelope: Envelope,
  key: string,
): Promise<Seat> {
  const session = face.createSession(req);
  const denied = session.authorize(principal);
  if (denied) {
    await session.close('unauthorized');
    throw denied;
  }
  const params = {
    protocolVersion: SEAT_PROTOCOL_VERSION,
    capabilities: handshakeCapabilities(envelope.clientCapabilities),
    clientInfo: envelope.clientInfo ?? DEFAULT_CLIENT_INFO,
  };
  let response;
  try {
    response = await session.start({ jsonrpc: '2.0', id: 'frontdoor-seat', method: 'initialize', params });
  } catch (e) {
    await session.close('initialize_failed');
    throw e;
  }
  if (response.error) {
    await session.close('initialize_rejected');
    throw new ProxyError(
      'ERR_BACKEND_PROTOCOL',
      'seat_initialize_rejected',
      `the backend rejected the initialize the proxy sent for a 2026-07-28 client: ${response.error.message}`,
    );
  }
  sessions.add(session);
  await session.submit([{ jsonrpc: '2.0', method: 'notifications/initialized' }], NO_SINK);
  session.info({ reason: 'seat_opened', client: envelope.clientInfo?.name, clientVersion: envelope.clientInfo?.version }, 'seat start');
  return new Seat(
    route,
    key,
    session,
    asJsonObject(response.result) ?? {},
    'the 2026-07-28 client of this request cannot be asked for input outside a call that may ask for it',
  );
}
