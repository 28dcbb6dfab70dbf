// Client addresses for rate limits: IPv4/IPv6 parsing (IPv4-mapped counts as IPv4), /64
// grouping, CIDR matching, and X-Forwarded-For believed only from trusted proxies.

import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, parseIp } from "../../../src/middleware/client-ip/address.js";
import { addressGroup, forwardedClient, parseTrustedProxies } from "../../../src/middleware/client-ip/index.js";

describe("parseIp", () => {
  it("reads IPv4, IPv6 (compressed, full, zoned, dotted tail) and rejects the rest", () => {
    expect([...(parseIp("192.0.2.1") ?? [])]).toEqual([192, 0, 2, 1]);
    expect([...(parseIp("2001:db8::1") ?? [])]).toEqual([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]);
    expect(parseIp("2001:0db8:0000:0000:0000:0000:0000:0001")).toEqual(parseIp("2001:db8::1"));
    expect(parseIp("fe80::1%eth0")).toEqual(parseIp("fe80::1"));
    expect(parseIp("[::1]")).toEqual(parseIp("0:0:0:0:0:0:0:1"));
    expect(parseIp("::ffff:198.51.100.7")).toEqual(parseIp("198.51.100.7"));
    expect(parseIp("64:ff9b::192.0.2.33")?.slice(12)).toEqual(Uint8Array.from([192, 0, 2, 33]));
    for (const bad of [
      "",
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4.5",
      "1::2::3",
      "1:2:3:4:5:6:7:8:9",
      "12345::",
      "g::1",
      "a.b.c.d",
    ]) {
      expect(parseIp(bad), bad).toBeUndefined();
    }
  });
});

describe("addressGroup", () => {
  it("is the address for IPv4 and the /64 for IPv6", () => {
    expect(addressGroup("203.0.113.9")).toBe("203.0.113.9");
    expect(addressGroup("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(addressGroup("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    // Two hosts of one /64 are one client; the next /64 is another.
    expect(addressGroup("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe(addressGroup("2001:db8:1:2::5"));
    expect(addressGroup("2001:db8:1:3::5")).not.toBe(addressGroup("2001:db8:1:2::5"));
  });
});

describe("CIDR ranges", () => {
  it("match by prefix bits, per family", () => {
    const range = parseCidr("10.2.0.0/15");
    if (range === undefined) throw new Error("range did not parse");
    const inside = (a: string) => cidrContains(range, parseIp(a) ?? new Uint8Array());
    expect([inside("10.1.255.255"), inside("10.2.0.0"), inside("10.3.255.255"), inside("10.4.0.0")]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(inside("::ffff:10.3.2.1")).toBe(true);
    expect(inside("2001:db8::1")).toBe(false);
    expect(parseCidr("10.0.0.0/33")).toBeUndefined();
    expect(parseCidr("fd00::/8")?.prefix).toBe(8);
  });
});

describe("forwardedClient", () => {
  const proxies = parseTrustedProxies(["10.0.0.0/8", "fd00::/8"]);

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", () => {
    expect(forwardedClient("198.51.100.1", "1.2.3.4", proxies)).toBe("198.51.100.1");
  });

  it("takes the rightmost untrusted hop behind trusted proxies (left hops are the client's to forge)", () => {
    expect(forwardedClient("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.9", proxies)).toBe("203.0.113.7");
    expect(forwardedClient("fd00::2", "2001:db8::7", proxies)).toBe("2001:db8::7");
  });

  it("falls back to the peer without the header or on garbage, to the leftmost hop when all are trusted", () => {
    expect(forwardedClient("10.0.0.2", undefined, proxies)).toBe("10.0.0.2");
    expect(forwardedClient("10.0.0.2", "203.0.113.7, junk", proxies)).toBe("10.0.0.2");
    expect(forwardedClient("10.0.0.2", "10.9.9.9, 10.0.0.3", proxies)).toBe("10.9.9.9");
  });
});
