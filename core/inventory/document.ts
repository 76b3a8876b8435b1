/**
 * YAML or JSON text as a tree whose nodes know their line, for messages that point at the value
 * that is wrong. JSON goes through the YAML parser too (JSON is YAML 1.2) for the positions, but
 * is first held to JSON's own rules, which YAML relaxes (trailing commas, comments).
 */
import { LineCounter, isPair, parseDocument, type Node, type Pair } from 'yaml';

export interface ParsedDocument {
  contents: Node | null;
  /** The line a node (or a pair's key) starts on, counted from the section's first line. */
  lineOf(node: Node | Pair | null | undefined): number | null;
}

export interface SyntaxProblem {
  line: number;
  message: string;
}

/**
 * Thousands of nested levels (`- - - - ...`, `[[[[...`) overflow the stack of the YAML parser and
 * of the JSON check below, which both recurse. No inventory or policy nests more than a few
 * levels, so such text is refused with this message instead of crashing the command.
 */
export const TOO_DEEP = 'nested thousands of levels deep: not an inventory or a policy';

export function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

export function looksLikeJson(text: string): boolean {
  return /^\s*[{[]/.test(text);
}

/**
 * The offset and reason of the first departure from JSON's grammar, or null for valid JSON.
 * (JSON.parse says where only for some errors, and differently in each Node version.)
 */
function jsonError(text: string): { offset: number; message: string } | null {
  let i = 0;
  class Stop {
    constructor(readonly message: string) {}
  }
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const string = (): void => {
    for (i++; text[i] !== '"'; i++) {
      if (i >= text.length) throw new Stop('a string is never closed');
      if (text.charCodeAt(i) < 0x20) throw new Stop('a line break or control character inside a string');
      if (text[i] === '\\') i++;
    }
    i++;
  };
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          if (text[i] !== '"') throw new Stop(`expected a "quoted" key${text[i] === '}' ? ' (a comma before } is not allowed in JSON)' : ''}`);
          string();
          space();
          if (text[i] !== ':') throw new Stop("expected ':' after the key");
          i++;
        }
        value();
        space();
        if (text[i] === close) {
          i++;
          return;
        }
        if (text[i] !== ',') throw new Stop(`expected ',' or '${close}'`);
        i++;
        space();
        if (text[i] === close) throw new Stop(`a comma before ${close} is not allowed in JSON`);
      }
    }
    if (c === '"') return string();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) throw new Stop(i >= text.length ? 'the text ends inside a value' : `unexpected ${JSON.stringify(c)}`);
    i += m[0].length;
  };
  try {
    value();
    space();
    if (i < text.length) throw new Stop('text after the end of the JSON value');
    return null;
  } catch (err) {
    if (err instanceof Stop) return { offset: i, message: err.message };
    throw err;
  }
}

export function parseYamlOrJson(text: string, firstLine = 1): ParsedDocument | SyntaxProblem[] {
  const lines = new LineCounter();
  const lineAt = (offset: number): number => lines.linePos(offset).line + firstLine - 1;
  let json: ReturnType<typeof jsonError>;
  let doc: ReturnType<typeof parseDocument>;
  try {
    json = looksLikeJson(text) ? jsonError(text) : null;
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  } catch (err) {
    if (isStackOverflow(err)) return [{ line: firstLine, message: `syntax: ${TOO_DEEP}` }];
    throw err;
  }
  if (json) return [{ line: lineAt(json.offset), message: `JSON syntax: ${json.message}` }];
  if (doc.errors.length > 0) return doc.errors.map((e) => ({ line: lineAt(e.pos[0]), message: `YAML syntax: ${e.message}` }));
  return {
    contents: doc.contents,
    lineOf(node) {
      const range = isPair(node) ? (node.key as Node | null)?.range : node?.range;
      return range ? lineAt(range[0]) : null;
    },
  };
}
