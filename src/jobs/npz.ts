// An `.npz` file (numpy.savez: a ZIP of `.npy` arrays, stored uncompressed) written as a
// stream: each entry's CRC-32 and sizes follow its data in a data descriptor (ZIP APPNOTE
// 4.3.9), so nothing but the running CRC is kept. `.npy` format version 1.0 (NEP 1).

import { crc32Update } from "../png/crc32.js";

const encoder = new TextEncoder();
/** 1980-01-01 in MS-DOS date form: entries carry no meaningful time. */
const DOS_DATE = (1 << 5) | 1;

/** The `.npy` header for a C-order array; `descr` e.g. `|u1`, `<i8`. */
export function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  // magic (6) + version (2) + length (2) + dict + padding + '\n' is a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const text = dict + " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(encoder.encode(text), 10);
  return out;
}

interface Entry {
  name: Uint8Array;
  offset: number;
  crc: number;
  size: number;
}

/** Zip writer over a byte sink: begin(name), data(...), end(), then close(). Sizes < 4 GiB. */
export class ZipStream {
  private offset = 0;
  private readonly entries: Entry[] = [];
  private current: Entry | undefined;

  constructor(private readonly sink: (bytes: Uint8Array) => Promise<void>) {}

  private async emit(bytes: Uint8Array): Promise<void> {
    this.offset += bytes.length;
    if (this.offset > 0xffffffff) throw new RangeError("npz over 4 GiB needs ZIP64, not written here");
    await this.sink(bytes);
  }

  async begin(name: string): Promise<void> {
    const nameBytes = encoder.encode(name);
    const h = new Uint8Array(30 + nameBytes.length);
    const v = new DataView(h.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, 20, true); // version needed: 2.0
    v.setUint16(6, 0x0008, true); // bit 3: CRC and sizes in the data descriptor
    v.setUint16(8, 0, true); // stored
    v.setUint16(12, DOS_DATE, true);
    v.setUint16(26, nameBytes.length, true);
    h.set(nameBytes, 30);
    this.current = { name: nameBytes, offset: this.offset, crc: 0, size: 0 };
    await this.emit(h);
  }

  async data(bytes: Uint8Array): Promise<void> {
    const entry = this.current;
    if (entry === undefined) throw new Error("ZipStream.data outside an entry");
    entry.crc = crc32Update(entry.crc, bytes);
    entry.size += bytes.length;
    await this.emit(bytes);
  }

  async end(): Promise<void> {
    const entry = this.current;
    if (entry === undefined) throw new Error("ZipStream.end outside an entry");
    const d = new Uint8Array(16);
    const v = new DataView(d.buffer);
    v.setUint32(0, 0x08074b50, true);
    v.setUint32(4, entry.crc, true);
    v.setUint32(8, entry.size, true);
    v.setUint32(12, entry.size, true);
    this.entries.push(entry);
    this.current = undefined;
    await this.emit(d);
  }

  /** The central directory and its end record. */
  async close(): Promise<void> {
    const start = this.offset;
    for (const e of this.entries) {
      const c = new Uint8Array(46 + e.name.length);
      const v = new DataView(c.buffer);
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, 20, true);
      v.setUint16(6, 20, true);
      v.setUint16(8, 0x0008, true);
      v.setUint16(10, 0, true);
      v.setUint16(14, DOS_DATE, true);
      v.setUint32(16, e.crc, true);
      v.setUint32(20, e.size, true);
      v.setUint32(24, e.size, true);
      v.setUint16(28, e.name.length, true);
      v.setUint32(42, e.offset, true);
      c.set(e.name, 46);
      await this.emit(c);
    }
    const size = this.offset - start;
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, this.entries.length, true);
    v.setUint16(10, this.entries.length, true);
    v.setUint32(12, size, true);
    v.setUint32(16, start, true);
    await this.emit(end);
  }
}
