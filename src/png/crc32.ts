// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as PNG chunks use it
// (PNG specification, section 5.3 and annex D).

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 over one or more byte ranges, as if they were concatenated. */
export function crc32(...parts: readonly Uint8Array[]): number {
  let c = 0;
  for (const bytes of parts) c = crc32Update(c, bytes);
  return c;
}

/** Continues a CRC-32 (`crc` of the bytes so far, 0 for none) over more bytes: for streams. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (const b of bytes) c = (TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
