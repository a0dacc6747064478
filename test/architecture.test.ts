import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './support/cli.js';

// House style, enforced: the dependency direction cli -> commands -> {manifest, datastore,
// render, output, host} -> core, a pure core, and start-up discipline in command files.

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

interface Import {
  readonly spec: string;
  readonly typeOnly: boolean;
  readonly dynamic: boolean;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
    out.push({ spec: m[3]!, typeOnly: Boolean(m[2]), dynamic: false });
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ spec: m[1]!, typeOnly: false, dynamic: false });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1]!, typeOnly: false, dynamic: true });
  return out;
}

const SRC = join(ROOT, 'src');
const rel = (f: string): string => relative(ROOT, f);

describe('architecture', () => {
  it('core imports nothing outside core, and no I/O', () => {
    const bad: string[] = [];
    for (const f of sources(join(SRC, 'core'))) {
      for (const i of importsOf(f)) {
        const ok = (i.spec.startsWith('./') && !i.spec.includes('..')) || i.spec === 'node:crypto';
        if (!ok) bad.push(`${rel(f)} imports ${i.spec}`);
      }
      const text = readFileSync(f, 'utf8');
      for (const word of ['process.', 'console.', 'Date.now(', 'new Date(']) {
        if (text.includes(word)) bad.push(`${rel(f)} uses ${word}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('other folders import core only through core/index.ts', () => {
    const bad: string[] = [];
    for (const f of sources(SRC)) {
      if (f.startsWith(join(SRC, 'core'))) continue;
      for (const i of importsOf(f)) {
        if (/\/core\/(?!index\.js$)/.test(i.spec)) bad.push(`${rel(f)} imports ${i.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('nothing below cli imports from commands or cli except the shared leaf modules', () => {
    const leaf = /\/cli\/(cli-error|exit-codes|context|version-info)\.js$/;
    const bad: string[] = [];
    for (const dir of ['core', 'manifest', 'datastore', 'render', 'output', 'host']) {
      let files: string[] = [];
      try {
        files = sources(join(SRC, dir));
      } catch {
        continue;
      }
      for (const f of files) {
        for (const i of importsOf(f)) {
          if (/\/commands\//.test(i.spec) || (/\/cli\//.test(i.spec) && !leaf.test(i.spec))) bad.push(`${rel(f)} imports ${i.spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('command files load heavy packages lazily (start-up budget)', () => {
    const heavy = new Set(['yaml', 'js-yaml', 'ajv', 'etcd3', 'chalk', 'yargs', 'fast-xml-parser']);
    const bad: string[] = [];
    for (const f of sources(join(SRC, 'commands'))) {
      for (const i of importsOf(f)) {
        if (!i.dynamic && !i.typeOnly && heavy.has(i.spec.split('/')[0]!)) bad.push(`${rel(f)} imports ${i.spec} statically`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('only cli/main.ts sets the exit status or ends the process (proc.exit, on a closed pipe), and nothing calls process.exit', () => {
    const bad: string[] = [];
    for (const f of sources(SRC)) {
      const text = readFileSync(f, 'utf8');
      if (/process\.exit\(/.test(text)) bad.push(`${rel(f)} calls process.exit`);
      if (/\bproc\.exit\(/.test(text) && !f.endsWith(join('cli', 'main.ts'))) bad.push(`${rel(f)} calls proc.exit`);
      if (/process\.exitCode\s*=/.test(text) && !f.endsWith(join('cli', 'main.ts'))) bad.push(`${rel(f)} sets process.exitCode`);
    }
    expect(bad).toEqual([]);
  });
});
