import { createHash, type Hash } from 'node:crypto';

/** SHA-256 of the bytes as stored, fed chunk by chunk as they are read. */
export class ChunkHasher {
  private readonly hash: Hash = createHash('sha256');

  update(buf: Uint8Array, start: number, end: number): void {
    this.hash.update(buf.subarray(start, end));
  }

  async digest(): Promise<string> {
    return this.hash.digest('hex');
  }
}
