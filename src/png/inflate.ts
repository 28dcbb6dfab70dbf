// Bounded zlib inflate on the Web DecompressionStream: reads the output in chunks and stops
// the moment it passes a byte budget, so a decompression bomb costs at most the budget.

export class InflateLimitError extends Error {
  override readonly name = "InflateLimitError";
}

/**
 * Inflates zlib `bytes` (RFC 1950) into at most `maxBytes` bytes. Throws InflateLimitError
 * as soon as the output passes the budget (the stream is cancelled, nothing more is
 * inflated), and the stream's own TypeError on corrupt or truncated data.
 */
export async function inflateBounded(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const source = new ReadableStream<BufferSource>({
    start(controller) {
      // slice(): streams want an ArrayBuffer-backed view, never a SharedArrayBuffer one.
      controller.enqueue(bytes.slice());
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DecompressionStream("deflate")).getReader();
  // One buffer of the budget's size (plus one byte to detect overflow): no growth, no copies.
  const out = new Uint8Array(maxBytes + 1);
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (length + value.length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new InflateLimitError(`image data inflates past ${maxBytes} bytes`);
    }
    out.set(value, length);
    length += value.length;
  }
  return out.subarray(0, length);
}
