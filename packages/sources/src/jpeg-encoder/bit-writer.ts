/**
 * Collects entropy-coded bits MSB first, stuffing a 0x00 after every 0xFF byte
 * (T.81 §F.1.2.3) so the data can never be mistaken for a marker.
 */
export class BitWriter {
  private bytes: number[] = [];
  private buffer = 0;
  private count = 0;

  /** Appends the low `length` bits of `value` (length ≤ 16). */
  write(value: number, length: number): void {
    this.buffer = (this.buffer << length) | (value & ((1 << length) - 1));
    this.count += length;
    while (this.count >= 8) {
      const byte = (this.buffer >>> (this.count - 8)) & 0xff;
      this.bytes.push(byte);
      if (byte === 0xff) this.bytes.push(0x00);
      this.count -= 8;
    }
    this.buffer &= (1 << this.count) - 1;
  }

  /** Pads the last byte with 1-bits (T.81 §F.1.2.3) and returns every byte written. */
  finish(): Uint8Array<ArrayBuffer> {
    if (this.count > 0) this.write(0x7f, 8 - this.count);
    return Uint8Array.from(this.bytes);
  }
}
