/**
 * Joins `chunks` into one new buffer, copied once. `totalLength` may be passed when the
 * caller already knows it (saves a pass).
 */
export function concatBytes(chunks: readonly Uint8Array[], totalLength?: number): Uint8Array<ArrayBuffer> {
  let length = totalLength;
  if (length === undefined) {
    length = 0;
    for (const chunk of chunks) length += chunk.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Whether two byte ranges hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
