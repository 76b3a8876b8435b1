import type { AnalyzeProgress } from '../../core/contract/engine-api.js';
import { humanBytes, humanDuration, humanRate } from './text.js';

const REDRAW_MS = 200;

/**
 * One progress line on stderr, redrawn in place: bytes read / total, packets per second, ETA.
 * Only on a terminal; scripts and pipes get no progress noise.
 */
export class ProgressLine {
  /** The first line waits one interval, so its rates are measured, not guessed. */
  private lastDraw = Date.now();
  private captureStarted = Date.now();
  private capture = 0;
  private drawn = false;

  constructor(private readonly out: Pick<NodeJS.WriteStream, 'write' | 'columns'>) {}

  update(p: AnalyzeProgress): void {
    const now = Date.now();
    if (p.capture !== this.capture) {
      this.capture = p.capture;
      this.captureStarted = now;
    }
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const elapsed = Math.max(0.001, (now - this.captureStarted) / 1000);
    const parts = [`[${p.capture + 1}/${p.captures}] ${p.file}`];
    parts.push(p.totalBytes === null ? humanBytes(p.bytesRead) : `${humanBytes(p.bytesRead)} / ${humanBytes(p.totalBytes)}`);
    if (p.totalBytes) parts.push(`${((100 * p.bytesRead) / p.totalBytes).toFixed(0)}%`);
    parts.push(humanRate(p.frames / elapsed, 'pkt'));
    parts.push(humanRate(p.bytesRead / elapsed, 'B'));
    if (p.totalBytes) {
      const rate = p.bytesRead / elapsed;
      parts.push(`ETA ${humanDuration(Math.max(0, (p.totalBytes - p.bytesRead) / rate))}`);
    }
    const text = parts.join('  ');
    const width = this.out.columns ?? 120;
    this.out.write(`\r${text.slice(0, width - 1).padEnd(Math.min(width - 1, text.length))}\x1b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
