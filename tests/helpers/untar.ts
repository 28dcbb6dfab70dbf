// Reads a ustar archive's members (name and bytes), as tar(1) lists them: for the tests of
// job archives, in Node and inside workerd alike (no Node APIs).

export interface TarMember {
  name: string;
  data: Uint8Array;
}

function field(header: Uint8Array, start: number, end: number): string {
  return new TextDecoder().decode(header.subarray(start, end)).replace(/\0.*$/s, "");
}

export function untar(bytes: Uint8Array): TarMember[] {
  const members: TarMember[] = [];
  for (let at = 0; at + 512 <= bytes.length;) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 136).trim(), 8);
    members.push({ name: field(header, 0, 100), data: bytes.slice(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}
