// The tEXt chunks of a PNG (keyword -> text), read without inflating anything: how a stored
// sample says how it was made (a Jacobi sample's iterations), for store and cache hits alike.

const latin1 = new TextDecoder("latin1");

/** Every tEXt chunk before the image data; an unreadable file has none. */
export function readPngText(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8; // after the signature
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at);
    const type = latin1.decode(bytes.subarray(at + 4, at + 8));
    if (type === "IDAT" || type === "IEND" || at + 12 + length > bytes.length) break;
    if (type === "tEXt") {
      const data = bytes.subarray(at + 8, at + 8 + length);
      const zero = data.indexOf(0);
      if (zero > 0) out[latin1.decode(data.subarray(0, zero))] = latin1.decode(data.subarray(zero + 1));
    }
    at += 12 + length;
  }
  return out;
}
