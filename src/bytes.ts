// Byte helpers on Web APIs only (Uint8Array, streams, crypto.subtle): concatenation,
// draining a stream, hex, base64, SHA-256 and strong ETags.

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export async function readAllBytes(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return concatBytes(parts);
}

/**
 * Reads a stream into at most `maxBytes` bytes; undefined (and the stream cancelled) as soon
 * as it passes the cap, so a chunked body without Content-Length is bounded too.
 */
export async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let total = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concatBytes(parts);
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    parts.push(value);
  }
}

/** Runs bytes through a (de)compression transform and collects the output. */
export async function transformBytes(
  bytes: Uint8Array,
  transform: ReadableWritablePair<Uint8Array, BufferSource>,
): Promise<Uint8Array> {
  const source = new ReadableStream<BufferSource>({
    start(controller) {
      // slice(): streams want an ArrayBuffer-backed view, never a SharedArrayBuffer one.
      controller.enqueue(bytes.slice());
      controller.close();
    },
  });
  return readAllBytes(source.pipeThrough(transform));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // A copy into a fresh ArrayBuffer: subtle.digest wants a BufferSource it may read whole.
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice());
  return toHex(new Uint8Array(digest));
}

/** A strong ETag for exact bytes (RFC 9110 section 8.8.3): the first 128 bits of SHA-256. */
export async function strongEtag(bytes: Uint8Array): Promise<string> {
  return `"${(await sha256Hex(bytes)).slice(0, 32)}"`;
}

/** Base64 (RFC 4648, with padding) via btoa, in chunks so large inputs do not overflow the stack. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The inverse of toBase64; throws on characters outside the alphabet (atob does). */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
