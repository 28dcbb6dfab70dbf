// POSIX ustar entries (IEEE Std 1003.1, "pax" section, ustar format) written one file at a
// time, so an archive of any size streams through an Upload without being held whole.

const BLOCK = 512;
const encoder = new TextEncoder();

function putText(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new RangeError(`tar field too long: ${text}`);
  header.set(bytes, offset);
}

/** An octal number in a field of `length` bytes, NUL-terminated. */
function putOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  putText(header, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

/** The 512-byte header of a regular file `name` (at most 100 bytes) of `size` bytes. */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Uint8Array {
  const h = new Uint8Array(BLOCK);
  putText(h, 0, 100, name);
  putOctal(h, 100, 8, 0o644);
  putOctal(h, 108, 8, 0);
  putOctal(h, 116, 8, 0);
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, mtimeSeconds);
  h.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  h[156] = 0x30; // '0': regular file
  putText(h, 257, 6, "ustar\0");
  putText(h, 263, 2, "00");
  const sum = h.reduce((a, b) => a + b, 0);
  putText(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** Zero bytes that round `size` up to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Two zero blocks end an archive. */
export const TAR_END = new Uint8Array(2 * BLOCK);
