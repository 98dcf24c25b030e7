// Which peers may speak for the client (listen.trustProxy). X-Forwarded-* headers are believed only
// from them: anyone else could claim any address, prefix or scheme. Pure.
import { isIP } from 'node:net';

/** True when `address` (a socket's remoteAddress) is a trusted proxy. */
export type TrustedPeer = (address: string | undefined) => boolean;

interface Block {
  family: 4 | 6;
  bits: bigint;
  prefix: number;
}

/** `::ffff:127.0.0.1` (a v4 peer on a dual-stack socket) is the v4 address. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function createTrustedPeer(entries: readonly string[]): TrustedPeer {
  const loopback = entries.includes('loopback');
  const blocks = entries.filter((e) => e !== 'loopback').map(parseBlock);
  return (address) => {
    if (address === undefined) return false;
    const plain = plainAddress(address);
    if (loopback && isLoopbackIp(plain)) return true;
    const family = isIP(plain);
    if (family === 0) return false;
    const bits = toBits(plain, family as 4 | 6);
    return blocks.some((b) => b.family === family && inBlock(bits, b));
  };
}

export function isLoopbackIp(address: string): boolean {
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

function parseBlock(entry: string): Block {
  const [addr, bits] = entry.split('/') as [string, string | undefined];
  const family = isIP(addr) as 4 | 6;
  const width = family === 4 ? 32 : 128;
  return { family, bits: toBits(addr, family), prefix: bits === undefined ? width : Number(bits) };
}

function inBlock(bits: bigint, block: Block): boolean {
  const width = block.family === 4 ? 32 : 128;
  const shift = BigInt(width - block.prefix);
  return bits >> shift === block.bits >> shift;
}

function toBits(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  // Expand `::` and an embedded dotted quad, then read eight 16-bit groups.
  let text = address.toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const v4 = toBits(quad[1]!, 4);
    text = `${text.slice(0, quad.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}
