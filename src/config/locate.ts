import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { DocPath } from './raw.js';

/** A 1-based position in the YAML source. */
export interface Position {
  line: number;
  col: number;
}

/** Finds where a document path sits in the YAML source, so every config error can point at a line. */
export interface Locator {
  /** Where the value at `path` is; an empty value (`size:`) points at its key instead. */
  value(path: DocPath): Position;
  /** Where the key naming `path` is (for unknown keys and errors about a whole mapping). */
  key(path: DocPath): Position;
}

interface Found {
  node: Node | null;
  key: Node | null;
}

/** Builds a Locator over a parsed document; paths that do not exist resolve to their nearest ancestor. */
export function makeLocator(doc: Document, lines: LineCounter): Locator {
  const at = (node: Node | null): Position | undefined => {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset);
  };
  const root = (): Position => at(doc.contents) ?? { line: 1, col: 1 };

  // Walks by hand instead of doc.getIn so aliases are followed and a missing tail keeps its ancestor.
  const find = (path: DocPath): Found => {
    let found: Found = { node: doc.contents, key: null };
    for (const seg of path) {
      let node = found.node;
      if (isAlias(node)) node = (node.resolve(doc) as Node | undefined) ?? null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        found = { node: (pair.value as Node | null) ?? null, key: pair.key as Node };
      } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
        found = { node: node.items[seg] as Node, key: null };
      } else {
        break;
      }
    }
    return found;
  };

  const isEmpty = (node: Node | null): boolean => !node || (isScalar(node) && node.source === '');

  return {
    value(path) {
      const { node, key } = find(path);
      return (isEmpty(node) ? at(key) : at(node)) ?? at(key) ?? root();
    },
    key(path) {
      const { node, key } = find(path);
      return at(key) ?? at(node) ?? root();
    },
  };
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `pool.size`, `projects[1].path`, `agents["my agent"].command`: how errors name a place. */
export function displayPath(path: DocPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
