// IP addresses as bytes, portably: parsing IPv4 and IPv6 text (IPv4-mapped IPv6 counts as
// IPv4), CIDR ranges for TRUSTED_PROXIES, and the rate-limit group of an address.

export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (bytes.some((b) => !(b >= 0 && b <= 255))) return undefined;
  return Uint8Array.from(bytes);
}

function hexGroups(text: string): number[] | undefined {
  if (text === "") return [];
  const groups = text.split(":");
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

function parseV6(text: string): Uint8Array | undefined {
  let s = text;
  // A dotted IPv4 tail (::ffff:192.0.2.1) is two groups.
  const tailStart = s.lastIndexOf(":") + 1;
  if (s.slice(tailStart).includes(".")) {
    const v4 = parseV4(s.slice(tailStart));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, tailStart)}${(((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16)}:${(((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const head = hexGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? hexGroups(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  // ::ffff:a.b.c.d is an IPv4 client on a dual-stack socket: treat it as a.b.c.d.
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12);
  }
  return bytes;
}

/** 4 bytes for IPv4, 16 for IPv6, undefined for anything else; a zone (%eth0) is dropped. */
export function parseIp(text: string): Uint8Array | undefined {
  const s = text
    .trim()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/%.*$/, "");
  return s.includes(":") ? parseV6(s) : parseV4(s);
}

/** An address or a range `address/prefix`; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const [address = "", prefixText, ...rest] = text.trim().split("/");
  if (rest.length > 0) return undefined;
  const bytes = parseIp(address);
  if (bytes === undefined) return undefined;
  const bits = bytes.length * 8;
  if (prefixText === undefined) return { bytes, prefix: bits };
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  return prefix >= 0 && prefix <= bits ? { bytes, prefix } : undefined;
}

export function cidrContains(range: Cidr, address: Uint8Array): boolean {
  if (range.bytes.length !== address.length) return false;
  for (let bit = 0; bit < range.prefix; bit += 8) {
    const take = Math.min(8, range.prefix - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    const i = bit >> 3;
    if (((range.bytes[i] ?? 0) & mask) !== ((address[i] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The rate-limit group of a client address: the IPv4 address itself, or the /64 an IPv6
 * address lies in (one subscriber usually gets a whole /64, so per-address limits would be
 * free to evade). Unparseable text is its own group.
 */
export function addressGroup(text: string): string {
  const bytes = parseIp(text);
  if (bytes === undefined) return text.slice(0, 64);
  if (bytes.length === 4) return bytes.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return `${groups.join(":")}::/64`;
}
