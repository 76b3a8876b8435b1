// TextEncoder and TextDecoder are in every JS runtime core/ targets (Node, browsers, Electron) but in no ES lib.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  decode(input?: Uint8Array): string;
}
