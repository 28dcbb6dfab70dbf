// Which client a request comes from, for per-client rate limits: the peer address, or the
// X-Forwarded-For hop the nearest trusted proxy saw (Node), or CF-Connecting-IP (Workers).

import { addressGroup, cidrContains, parseCidr, parseIp, type Cidr } from "./address.js";

export type { Cidr } from "./address.js";
export { addressGroup } from "./address.js";

/** Who the quotas of a request without an accepted API key count against: its client's address group. */
export function addressKey(address: string | undefined): string {
  return `ip:${addressGroup(address ?? "unknown")}`;
}

export function parseTrustedProxies(entries: readonly string[]): Cidr[] {
  return entries.flatMap((e) => {
    const range = parseCidr(e);
    return range === undefined ? [] : [range];
  });
}

function trusted(address: string, proxies: readonly Cidr[]): boolean {
  const bytes = parseIp(address);
  return bytes !== undefined && proxies.some((range) => cidrContains(range, bytes));
}

/**
 * The client behind `peer`: when the peer is a trusted proxy, X-Forwarded-For is read from
 * the right (the hop our proxy appended) and the first untrusted hop is the client; hops
 * left of it were written by the client and could be anything. Never trust XFF otherwise.
 */
export function forwardedClient(peer: string | undefined, forwardedFor: string | undefined, proxies: readonly Cidr[]) {
  if (peer === undefined || forwardedFor === undefined || !trusted(peer, proxies)) return peer;
  const hops = forwardedFor
    .split(",")
    .map((h) => h.trim())
    .filter((h) => h !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? "";
    if (parseIp(hop) === undefined) return peer;
    if (!trusted(hop, proxies)) return hop;
  }
  return hops[0] ?? peer;
}
