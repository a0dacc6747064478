import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as yaml from 'yaml';
import { afterAll } from 'vitest';
import type { OutlineNode } from '../../src/manifest/block-yaml.js';
import { LIMITS } from '../../src/manifest/documents.js';
import { readYamlTree, type ParseNote } from '../../src/manifest/yaml-tree.js';

/** source strips the common indentation of a template literal (and its first newline), for inline YAML fixtures. */
export function source(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.match(/^ */)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** tempDir makes a directory removed after the file's tests; write() puts files in it. */
export function tempDir(): { dir: string; write(name: string, content: string | Buffer): string } {
  const dir = mkdtempSync(join(tmpdir(), 'poolctl-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const p = join(dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
      return p;
    },
  };
}

/**
 * treeOf reads text from offset `from` with the `yaml` tier (the failsafe parse read by
 * yaml-tree.ts): its value, outline and notes, or its first error (syntax or the tree's).
 */
export function treeOf(text: string, from = 0): { value: unknown; outline: OutlineNode | null; notes: readonly ParseNote[]; error?: string } {
  const doc = yaml.parseDocument(text.slice(from), { prettyErrors: false, uniqueKeys: false, schema: 'failsafe', resolveKnownTags: false });
  if (doc.errors.length > 0) return { value: undefined, outline: null, notes: [], error: doc.errors[0]!.message };
  const r = readYamlTree(doc, yaml, from, LIMITS, true);
  return { value: r.value, outline: r.outline, notes: r.notes, ...(r.error ? { error: r.error.message } : {}) };
}
