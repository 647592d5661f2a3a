import net from 'net';

/** A set of CIDR ranges (IPv4 and IPv6); IPv4-mapped IPv6 addresses match IPv4 ranges. */
export class CidrList {
  private readonly blocks: net.BlockList;
  readonly size: number;

  private constructor(blocks: net.BlockList, size: number) {
    this.blocks = blocks;
    this.size = size;
  }

  /** Parses comma/space/newline separated CIDRs or addresses; throws naming the first bad entry. */
  static parse(text: string): CidrList {
    const blocks = new net.BlockList();
    const entries = text
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const parts = entry.split('/');
      const [address, prefixText] = parts;
      const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
      const max = family === 'ipv4' ? 32 : 128;
      const prefix = prefixText === undefined ? max : Number(prefixText);
      // "10.0.0.1/" must not read as /0: one typo would admit every address.
      if (
        !family ||
        parts.length > 2 ||
        (prefixText !== undefined && !/^\d+$/.test(prefixText)) ||
        prefix < 0 ||
        prefix > max
      ) {
        throw new Error(`"${entry}" is not an IP address or CIDR range`);
      }
      blocks.addSubnet(address, prefix, family);
    }
    return new CidrList(blocks, entries.length);
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return this.blocks.check(mapped[1], 'ipv4');
    if (net.isIPv4(address)) return this.blocks.check(address, 'ipv4');
    if (net.isIPv6(address)) return this.blocks.check(address, 'ipv6');
    return false;
  }
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy,
 * in which case the right-most X-Forwarded-For hop that is not a trusted proxy.
 * Left-most entries are whatever the client claimed, so they are never trusted.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: CidrList | undefined,
): string | undefined {
  if (!trusted || !trusted.has(peer) || !forwardedFor) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.has(hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}
