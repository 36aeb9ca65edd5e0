// A running digest of the event trace: two 32-bit multiply-xorshift lanes folded per event.
// Cheap enough to run on every event (a few integer multiplies), unlike a cryptographic hash, and
// any difference in order, time, kind, node or size changes it.
export class TraceDigest {
  private h1 = 0x243f6a88;
  private h2 = 0x85a308d3;

  fold(timeMs: number, kind: number, node: number, size: number): void {
    // Microsecond resolution; ToUint32 wraps long runs deterministically.
    const t = (timeMs * 1000) >>> 0;
    let h1 = Math.imul(this.h1 ^ t, 0x85ebca6b);
    h1 = Math.imul(h1 ^ (h1 >>> 13) ^ ((kind << 24) | (node & 0xffffff)), 0xc2b2ae35);
    let h2 = Math.imul(this.h2 ^ size ^ (t << 7), 0x27d4eb2f);
    h2 = Math.imul(h2 ^ (h2 >>> 15) ^ node ^ (kind << 20), 0x165667b1);
    this.h1 = h1 ^ (h1 >>> 16) ^ h2;
    this.h2 = h2 ^ (h2 >>> 16);
  }

  hex(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }
}
