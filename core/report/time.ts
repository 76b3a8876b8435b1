let lastSec = NaN;
let lastBase = '';

/** ISO-8601 UTC with `digits` fractional digits (the capture's precision: 6 for µs, 9 for ns). */
export function isoTime(sec: number, nsec: number, digits: number): string {
  // Flows of one capture share a handful of seconds: format each second once.
  if (sec !== lastSec) {
    lastSec = sec;
    lastBase = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  const base = lastBase;
  if (digits <= 0) return `${base}Z`;
  const frac = String(nsec).padStart(9, '0').slice(0, Math.min(digits, 9));
  return `${base}.${frac}Z`;
}

/** Seconds between two (sec, nsec) instants, as a float. */
export function secondsBetween(sec0: number, nsec0: number, sec1: number, nsec1: number): number {
  return sec1 - sec0 + (nsec1 - nsec0) / 1e9;
}
