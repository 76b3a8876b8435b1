/**
 * pcapng timestamps are 64-bit counts of interface-specific units (if_tsresol). Converting
 * them to seconds + nanoseconds without BigInt (which would allocate per packet) uses long
 * division on 16-bit limbs: every intermediate stays below 2^53.
 */

const TWO16 = 65536;

export class TimestampScale {
  /** Result of the last `convert`. */
  sec = 0;
  nsec = 0;
  readonly digits: number;
  private readonly decimal: boolean;
  private readonly exponent: number;
  private readonly divisor: number;
  private readonly nsecFactor: number;
  private readonly bigDivisor: bigint;

  /** `tsresol` is the raw if_tsresol byte: high bit clear = 10^-n, set = 2^-n. */
  constructor(tsresol = 6) {
    this.decimal = (tsresol & 0x80) === 0;
    this.exponent = tsresol & 0x7f;
    if (this.decimal) {
      this.divisor = 10 ** this.exponent;
      this.digits = Math.min(this.exponent, 9);
      this.nsecFactor = this.exponent <= 9 ? 10 ** (9 - this.exponent) : 0;
    } else {
      this.divisor = 2 ** this.exponent;
      this.digits = Math.min(9, Math.ceil(this.exponent * Math.log10(2)));
      this.nsecFactor = 0;
    }
    this.bigDivisor = this.decimal ? 10n ** BigInt(this.exponent) : 1n << BigInt(this.exponent);
  }

  /** Units since the epoch given as two unsigned 32-bit halves. */
  convert(hi: number, lo: number): void {
    if (this.decimal && this.exponent <= 11) {
      const d = this.divisor;
      let r = hi >>> 16;
      const q3 = Math.floor(r / d);
      r = (r - q3 * d) * TWO16 + (hi & 0xffff);
      const q2 = Math.floor(r / d);
      r = (r - q2 * d) * TWO16 + (lo >>> 16);
      const q1 = Math.floor(r / d);
      r = (r - q1 * d) * TWO16 + (lo & 0xffff);
      const q0 = Math.floor(r / d);
      r -= q0 * d;
      this.sec = ((q3 * TWO16 + q2) * TWO16 + q1) * TWO16 + q0;
      this.nsec = this.nsecFactor > 0 ? r * this.nsecFactor : r;
      return;
    }
    if (!this.decimal && this.exponent <= 32) {
      const n = this.exponent;
      // sec = value >> n; frac = value & (2^n - 1)
      const sec = n === 32 ? hi : hi * 2 ** (32 - n) + Math.floor(lo / 2 ** n);
      const frac = n === 32 ? lo : lo % 2 ** n;
      this.sec = sec;
      this.nsec = binaryFractionToNanos(frac, n);
      return;
    }
    this.convertWide(hi, lo);
  }

  /** Resolutions finer than 10^-11 s or 2^-32 s: rare enough that BigInt is acceptable. */
  private convertWide(hi: number, lo: number): void {
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const d = this.bigDivisor;
    const sec = v / d;
    const rem = v - sec * d;
    this.sec = Number(sec);
    this.nsec = Number((rem * 1_000_000_000n) / d);
  }
}

/** floor(frac * 1e9 / 2^n) for frac < 2^n, n <= 32, exact in doubles. */
function binaryFractionToNanos(frac: number, n: number): number {
  if (n <= 16) return Math.floor((frac * 1e9) / 2 ** n);
  const a = Math.floor(frac / TWO16) * 1e9; // < 2^46
  const b = (frac % TWO16) * 1e9; // < 2^46
  // floor((a * 2^16 + b) / 2^n) = floor((a + floor(b / 2^16)) / 2^(n-16))
  return Math.floor((a + Math.floor(b / TWO16)) / 2 ** (n - 16));
}
