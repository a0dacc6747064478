import type { OutlineEntry, OutlineNode } from './block-yaml.js';

/**
 * JSON outline: the positions of the nodes of a JSON text, as the `yaml` tier (yaml-tree.ts)
 * gives them when it reads the text (JSON is YAML flow style), without building `yaml`'s node
 * tree: ~100x faster, so a large JSON input with errors gets its positions in milliseconds.
 * Every node's range is its token: a string with its quotes, a number or literal, a container
 * from its opening bracket to just after its closing one. A property test checks it against
 * that tier.
 */

/** Frame is a container being read: its node's parts, and for a mapping the key whose value comes next (pending). */
interface Frame {
  readonly start: number;
  readonly entries: Map<string, OutlineEntry> | null;
  readonly items: OutlineNode[] | null;
  pending: boolean;
  key: string;
  keyStart: number;
  keyEnd: number;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * outlineJson outlines text that JSON.parse accepted (its one value and nothing else). Of
 * duplicate keys the last is kept, whose value JSON.parse (and calicoctl's yaml.v2) keeps.
 * It does not recurse, so any nesting depth is fine.
 */
export function outlineJson(text: string): OutlineNode {
  const stack: Frame[] = [];
  let root: OutlineNode | null = null;
  // attach hands a finished node to the container being read, or makes it the root.
  const attach = (node: OutlineNode): void => {
    const f = stack[stack.length - 1];
    if (!f) root = node;
    else if (f.items) f.items.push(node);
    else {
      f.entries!.delete(f.key);
      f.entries!.set(f.key, { keyStart: f.keyStart, keyEnd: f.keyEnd, value: node });
      f.pending = false;
    }
  };
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (isSpace(c) || c === 44 /* , */ || c === 58 /* : */) {
      i++;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      const map = c === 123;
      stack.push({ start: i, entries: map ? new Map() : null, items: map ? null : [], pending: false, key: '', keyStart: 0, keyEnd: 0 });
      i++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      const f = stack.pop()!;
      const end = i + 1;
      attach(f.entries ? { kind: 'map', start: f.start, end, entries: f.entries } : { kind: 'seq', start: f.start, end, items: f.items! });
      i = end;
    } else if (c === 34 /* " */) {
      let j = i + 1;
      let escaped = false;
      for (; text.charCodeAt(j) !== 34; j++) {
        if (text.charCodeAt(j) === 92 /* \ */) {
          escaped = true;
          j++;
        }
      }
      const end = j + 1;
      const f = stack[stack.length - 1];
      // A string in a mapping where no key is pending is the next key.
      if (f?.entries && !f.pending) {
        f.key = escaped ? (JSON.parse(text.slice(i, end)) as string) : text.slice(i + 1, j);
        f.keyStart = i;
        f.keyEnd = end;
        f.pending = true;
      } else {
        attach({ kind: 'scalar', start: i, end });
      }
      i = end;
    } else {
      // A number, true, false or null.
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if (isSpace(d) || d === 44 || d === 93 || d === 125) break;
        j++;
      }
      attach({ kind: 'scalar', start: i, end: j });
      i = j;
    }
  }
  return root!;
}
