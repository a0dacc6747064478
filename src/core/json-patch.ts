import { unescapePointerSegment } from './json-pointer.js';
import { err, ok, type Result } from './result.js';

// The three patch formats of `poolctl patch` (calicoctl/kubectl `--type`), over plain JSON
// values. They never change their inputs: every function returns a new value.

/** PatchType is a `--type` value: strategic merge (calicoctl's default and only), JSON merge (RFC 7386), JSON Patch (RFC 6902). */
export type PatchType = 'strategic' | 'merge' | 'json';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * mergePatch applies an RFC 7386 JSON Merge Patch: an object patch merges into an object
 * target key by key (null removes the key), anything else replaces the target; arrays are
 * replaced whole.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * strategicMergePatch applies a Kubernetes strategic merge patch as calicoctl does
 * (k8s.io/apimachinery strategicpatch over Calico's structs, calicoctl/calicoctl/resourcemgr
 * Patch). Calico's IPPool declares no merge keys or patch strategies, so lists are replaced
 * and maps merge as in a JSON merge patch; the `$patch` directive of a map is honoured
 * (`replace`: the map becomes the patch's; `delete`: the key goes; `merge`: the default).
 * Any other `$` directive is an error rather than a silent no-op.
 */
export function strategicMergePatch(target: unknown, patch: unknown): Result<unknown, string> {
  if (!isObject(patch)) return ok(structuredClone(patch));
  const directive = patch.$patch;
  const rest: Record<string, Json> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') continue;
    if (k.startsWith('$')) return err(`unsupported strategic merge patch directive '${k}' (IPPool fields have no merge keys: lists are replaced whole)`);
    rest[k] = v;
  }
  if (directive !== undefined && directive !== 'merge') {
    if (directive === 'replace') return strategicMergePatch({}, rest);
    if (directive === 'delete') return ok(undefined);
    return err(`unknown patch type: ${JSON.stringify(directive)} in the map's $patch (use replace, merge or delete)`);
  }
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) {
      delete out[k];
      continue;
    }
    const r = strategicMergePatch(out[k], v);
    if (!r.ok) return r;
    if (r.value === undefined) delete out[k];
    else out[k] = r.value;
  }
  return ok(out);
}

/** JsonPatchOp is one RFC 6902 operation. */
interface JsonPatchOp {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

/** Parent is where a pointer's last segment lives: its container and the segment in it. */
interface Parent {
  readonly container: Record<string, unknown> | unknown[];
  readonly key: string;
}

function parsePointer(pointer: string): Result<string[], string> {
  if (pointer === '') return ok([]);
  if (!pointer.startsWith('/')) return err(`'${pointer}' is not a JSON pointer (it must start with '/')`);
  return ok(pointer.slice(1).split('/').map(unescapePointerSegment));
}

function arrayIndex(arr: unknown[], key: string, forAdd: boolean): number | null {
  if (forAdd && key === '-') return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) return null;
  const i = Number(key);
  return i < arr.length || (forAdd && i === arr.length) ? i : null;
}

/** resolve follows pointer segments from doc; undefined when a step is missing. */
function resolve(doc: unknown, segments: readonly string[]): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const s of segments) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(cur, s, false);
      if (i === null) return { found: false, value: undefined };
      cur = cur[i];
    } else if (isObject(cur) && Object.prototype.hasOwnProperty.call(cur, s)) cur = cur[s];
    else return { found: false, value: undefined };
  }
  return { found: true, value: cur };
}

function parentOf(doc: unknown, segments: readonly string[]): Parent | null {
  const p = resolve(doc, segments.slice(0, -1));
  if (!p.found || (!Array.isArray(p.value) && !isObject(p.value))) return null;
  return { container: p.value as Parent['container'], key: segments[segments.length - 1]! };
}

/** deepEqual compares JSON values (object key order ignored), as RFC 6902's test does. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function validOp(v: unknown): v is JsonPatchOp {
  return isObject(v) && typeof v.op === 'string' && typeof v.path === 'string' && (v.from === undefined || typeof v.from === 'string');
}

/**
 * jsonPatch applies an RFC 6902 JSON Patch (an array of add, remove, replace, move, copy and
 * test operations) to a copy of doc. The first operation that cannot apply fails the whole
 * patch, naming it (its index, op and path) and why.
 */
export function jsonPatch(doc: unknown, ops: unknown): Result<unknown, string> {
  if (!Array.isArray(ops)) return err('a JSON Patch (--type json) is an array of operations, e.g. [{"op":"replace","path":"/spec/natOutgoing","value":true}]');
  let root: unknown = structuredClone(doc);
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (!validOp(op)) return err(`operation ${i}: needs "op" and "path" strings`);
    const where = `operation ${i} (${op.op} ${op.path})`;
    const path = parsePointer(op.path);
    if (!path.ok) return err(`${where}: ${path.error}`);
    const needsValue = op.op === 'add' || op.op === 'replace' || op.op === 'test';
    if (needsValue && !Object.prototype.hasOwnProperty.call(op, 'value')) return err(`${where}: missing "value"`);
    let value: unknown = op.value;
    if (op.op === 'move' || op.op === 'copy') {
      if (op.from === undefined) return err(`${where}: missing "from"`);
      const from = parsePointer(op.from);
      if (!from.ok) return err(`${where}: ${from.error}`);
      const src = resolve(root, from.value);
      if (!src.found) return err(`${where}: "from" ${op.from} does not exist`);
      if (op.op === 'move') {
        if (op.path.startsWith(`${op.from}/`)) return err(`${where}: cannot move a value into itself`);
        const removed = remove(root, from.value);
        if (!removed.ok) return err(`${where}: ${removed.error}`);
        root = removed.value;
      }
      value = structuredClone(src.value);
    }
    let next: Result<unknown, string>;
    switch (op.op) {
      case 'add':
      case 'move':
      case 'copy':
        next = add(root, path.value, structuredClone(value));
        break;
      case 'remove':
        next = remove(root, path.value);
        break;
      case 'replace': {
        const removed = remove(root, path.value);
        next = removed.ok ? add(removed.value, path.value, structuredClone(value)) : removed;
        break;
      }
      case 'test': {
        const cur = resolve(root, path.value);
        next = cur.found && deepEqual(cur.value, value) ? ok(root) : err(cur.found ? `the value is ${JSON.stringify(cur.value)}` : 'the path does not exist');
        break;
      }
      default:
        return err(`${where}: unknown op '${op.op}' (use add, remove, replace, move, copy or test)`);
    }
    if (!next.ok) return err(`${where}: ${next.error}`);
    root = next.value;
  }
  return ok(root);
}

function add(root: unknown, segments: readonly string[], value: unknown): Result<unknown, string> {
  if (segments.length === 0) return ok(value);
  const parent = parentOf(root, segments);
  if (!parent) return err('the parent of the path does not exist');
  const { container, key } = parent;
  if (Array.isArray(container)) {
    const i = arrayIndex(container, key, true);
    if (i === null) return err(`index ${key} is out of range`);
    container.splice(i, 0, value);
  } else container[key] = value;
  return ok(root);
}

function remove(root: unknown, segments: readonly string[]): Result<unknown, string> {
  if (segments.length === 0) return ok(undefined);
  const parent = parentOf(root, segments);
  if (!parent) return err('the path does not exist');
  const { container, key } = parent;
  if (Array.isArray(container)) {
    const i = arrayIndex(container, key, false);
    if (i === null) return err('the path does not exist');
    container.splice(i, 1);
  } else {
    if (!Object.prototype.hasOwnProperty.call(container, key)) return err('the path does not exist');
    delete container[key];
  }
  return ok(root);
}

/**
 * parsePatch reads a patch's JSON text for a --type: strategic and merge patches are JSON
 * objects; a JSON Patch is an array of operations, or (as calicoctl, which applies every
 * patch as a strategic merge patch whatever --type says) an object.
 */
export function parsePatch(text: string, type: PatchType): Result<unknown, string> {
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (e) {
    return err(`the patch is not valid JSON: ${(e as Error).message}`);
  }
  if (isObject(patch) || (type === 'json' && Array.isArray(patch))) return ok(patch);
  return err(
    type === 'json'
      ? 'a JSON Patch (--type json) is an array of operations, e.g. [{"op":"replace","path":"/spec/natOutgoing","value":true}]'
      : `a ${type === 'merge' ? 'JSON merge' : 'strategic merge'} patch is a JSON object, e.g. {"spec":{"natOutgoing":true}}`,
  );
}

/** JSON_OBJECT_AS_STRATEGIC is the note given when --type json gets a JSON object. */
export const JSON_OBJECT_AS_STRATEGIC = 'the patch is a JSON object, not a JSON Patch array: applied as a strategic merge patch, as calicoctl does';

/**
 * applyPatch applies a parsed patch (parsePatch) to doc as `type` says. calicoctl accepts
 * `--type` but always applies a strategic merge patch; so a JSON object given with
 * `--type json` (its own help's example) is applied that way too (JSON_OBJECT_AS_STRATEGIC),
 * while an array is a real RFC 6902 patch.
 */
export function applyPatch(doc: unknown, patch: unknown, type: PatchType): Result<unknown, string> {
  if (type === 'merge') return isObject(patch) ? ok(mergePatch(doc, patch)) : err('a JSON merge patch is a JSON object');
  if (type === 'json' && Array.isArray(patch)) return jsonPatch(doc, patch);
  return strategicMergePatch(doc, patch);
}
