// Node provides WebAssembly.Memory; @types/node 20 does not declare it. We use it only for
// its page-aligned (optionally shared) ArrayBuffer.
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
  }
}
