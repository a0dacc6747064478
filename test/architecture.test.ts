import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { ROOT } from './support/cli.js';

// The house rules, enforced on src/ (house-style.md "Layout", structure-review.md §7): the
// floors and the direction of imports, no import circles, a pure core, where processes run
// and files are touched, where exit statuses are known, and doc comments that start with
// the declared name. There is no list of exceptions: a file that breaks a rule is fixed.

/**
 * FLOORS are src/'s folders from the roof down. A folder may import only folders on lower
 * floors (never one on its own floor, never one above): cli -> commands -> {resources, nat}
 * -> {output, host} -> {manifest, datastore, render} -> core -> base.
 */
const FLOORS: readonly (readonly string[])[] = [
  ['cli'],
  ['commands'],
  ['resources', 'nat'],
  ['output', 'host'],
  ['manifest', 'datastore', 'render'],
  ['core'],
  ['base'],
];

const FOLDERS = FLOORS.flat();
const floorOf = (folder: string): number => FLOORS.findIndex((f) => f.includes(folder));
/** mayImport lists the folders a folder may import: every folder on a lower floor. */
const mayImport = (folder: string): string[] => FLOORS.slice(floorOf(folder) + 1).flat();

/** EXIT_STATUS_FLOORS may know exit statuses (base/exit-codes.ts): the CLI maps error codes, commands return verdicts. */
const EXIT_STATUS_FLOORS = new Set(['cli', 'commands']);

/**
 * NODE_FS says what each folder may take from node:fs: datastore/ and manifest/ read and write
 * files; host/ only asks whether an executable is on the PATH (it runs system commands);
 * every other folder nothing.
 */
const NODE_FS: Readonly<Record<string, 'any' | readonly string[]>> = { datastore: 'any', manifest: 'any', host: ['accessSync', 'constants'] };

/** SPAWNS are the folders that may run processes (node:child_process): host/ only. */
const SPAWNS = new Set(['host']);

/** CHALK is the one folder that colours output (output/paint.ts loads chalk). */
const CHALK = new Set(['output']);

/** HEAVY packages cost start-up time: command declarations load them only inside run. */
const HEAVY = new Set(['yaml', 'js-yaml', 'ajv', 'etcd3', 'chalk', 'yargs', 'fast-xml-parser']);

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
  /** names are the named imports ({ a, b as c, type d }: a, b, d). */
  readonly names: readonly string[];
  readonly typeOnly: boolean;
  readonly dynamic: boolean;
  /** target is the imported file (relative imports only), e.g. src/core/index.ts. */
  readonly target?: string;
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const target = (spec: string): string | undefined => (spec.startsWith('.') ? normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts') : undefined);
  const add = (spec: string, names: string[], typeOnly: boolean, dynamic: boolean): void => {
    const t = target(spec);
    out.push({ spec, names, typeOnly, dynamic, ...(t ? { target: t } : {}) });
  };
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(type\s+)?([^'";]*?)\s*from\s+['"]([^'"]+)['"]/gm)) {
    const braces = /\{([^}]*)\}/.exec(m[2]!)?.[1] ?? '';
    const names = braces
      .split(',')
      .map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!)
      .filter(Boolean);
    add(m[3]!, names, Boolean(m[1]), false);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) add(m[1]!, [], false, false);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]!, [], false, true);
  return out;
}

const SRC = join(ROOT, 'src');
const rel = (f: string): string => relative(ROOT, f);
/** folderOf is the top folder of src/ a file is in (cli, commands, ...). */
const folderOf = (file: string): string => relative(SRC, file).split(sep)[0]!;
const FILES = sources(SRC);
const IMPORTS = new Map(FILES.map((f) => [f, importsOf(f)]));

/** cycles returns the strongly connected components of more than one node (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/**
 * exportedDeclarations lists `export function|class|interface|type|const|let|enum NAME` with
 * the doc comment right above (for an overloaded function, the first signature's).
 */
function exportedDeclarations(file: string): { name: string; line: number; doc: string | undefined }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: { name: string; line: number; doc: string | undefined }[] = [];
  const functions = new Set<string>();
  lines.forEach((l, i) => {
    const m = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(function\*?|class|interface|type|const\s+enum|const|let|enum)\s+([A-Za-z_$][\w$]*)/.exec(l);
    if (!m) return;
    const name = m[2]!;
    if (m[1]!.startsWith('function')) {
      if (functions.has(name)) return;
      functions.add(name);
    }
    let doc: string | undefined;
    if (i > 0 && /\*\/\s*$/.test(lines[i - 1]!)) {
      let k = i - 1;
      while (k > 0 && !lines[k]!.includes('/**')) k--;
      doc = lines
        .slice(k, i)
        .map((s) => s.replace(/^\s*(\/\*\*|\*\/|\*)?/, '').replace(/\*\/\s*$/, ''))
        .join(' ')
        .trim();
    }
    out.push({ name, line: i + 1, doc });
  });
  return out;
}

describe('architecture', () => {
  it('every folder of src/ is on a floor', () => {
    const folders = [...new Set(FILES.map(folderOf))].sort();
    expect(folders).toEqual([...FOLDERS].sort());
  });

  describe.each(FOLDERS.map((f) => [f, mayImport(f)] as const))('floors: %s', (folder, allowed) => {
    it(`${folder} -> ${allowed.length ? allowed.join(', ') : '(nothing)'}: 0 upward or sideways imports`, () => {
      const bad: string[] = [];
      for (const f of FILES.filter((x) => folderOf(x) === folder)) {
        for (const i of IMPORTS.get(f)!) {
          if (!i.target) continue;
          const to = folderOf(i.target);
          if (to !== folder && !allowed.includes(to)) bad.push(`${rel(f)} imports ${i.spec} (${to})`);
        }
      }
      expect(bad).toEqual([]);
    });
  });

  it('0 import circles between files (type-only and dynamic imports count)', () => {
    const graph = new Map(FILES.map((f) => [f, IMPORTS.get(f)!.flatMap((i) => (i.target ? [i.target] : []))]));
    expect(cycles(graph).map((c) => c.map(rel))).toEqual([]);
  });

  it('0 import circles between folders', () => {
    const graph = new Map<string, string[]>(FOLDERS.map((f) => [f, []]));
    for (const f of FILES) for (const i of IMPORTS.get(f)!) if (i.target) graph.get(folderOf(f))!.push(folderOf(i.target));
    for (const [k, v] of graph) graph.set(k, [...new Set(v)].filter((x) => x !== k));
    expect(cycles(graph)).toEqual([]);
  });

  it('core is pure: it imports only core and base, and uses no fs, process, console, clock or chalk', () => {
    const bad: string[] = [];
    for (const f of FILES.filter((x) => folderOf(x) === 'core')) {
      for (const i of IMPORTS.get(f)!) {
        if (!i.target || !['core', 'base'].includes(folderOf(i.target))) bad.push(`${rel(f)} imports ${i.spec}`);
      }
      const text = readFileSync(f, 'utf8');
      for (const word of ['process.', 'console.', 'Date.now(', 'new Date(', 'performance.now(', 'chalk']) {
        if (text.includes(word)) bad.push(`${rel(f)} uses ${word}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('other folders import core only through core/index.ts', () => {
    const bad: string[] = [];
    for (const f of FILES.filter((x) => folderOf(x) !== 'core')) {
      for (const i of IMPORTS.get(f)!) {
        if (i.target && folderOf(i.target) === 'core' && i.target !== join(SRC, 'core', 'index.ts')) bad.push(`${rel(f)} imports ${i.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it(`only ${[...SPAWNS].join(', ')}/ runs processes (node:child_process)`, () => {
    const bad: string[] = [];
    for (const f of FILES) {
      for (const i of IMPORTS.get(f)!) {
        if (/^(node:)?child_process$/.test(i.spec) && !SPAWNS.has(folderOf(f))) bad.push(`${rel(f)} imports ${i.spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('only datastore/ and manifest/ touch files (node:fs); host/ only looks for executables on the PATH', () => {
    const bad: string[] = [];
    for (const f of FILES) {
      const allowed = NODE_FS[folderOf(f)];
      for (const i of IMPORTS.get(f)!) {
        if (!/^(node:)?fs(\/promises)?$/.test(i.spec) || allowed === 'any') continue;
        if (!allowed || i.dynamic || i.names.length === 0 || i.names.some((n) => !allowed.includes(n))) {
          bad.push(`${rel(f)} imports ${i.names.length ? `{ ${i.names.join(', ')} } from ` : ''}${i.spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it(`only ${[...CHALK].join(', ')}/ loads chalk`, () => {
    const bad = FILES.filter((f) => !CHALK.has(folderOf(f)) && IMPORTS.get(f)!.some((i) => i.spec === 'chalk')).map(rel);
    expect(bad).toEqual([]);
  });

  it(`only ${[...EXIT_STATUS_FLOORS].join(' and ')} know exit statuses (base/exit-codes.ts); library layers throw codes`, () => {
    const exitCodes = join(SRC, 'base', 'exit-codes.ts');
    const bad: string[] = [];
    for (const f of FILES.filter((x) => !EXIT_STATUS_FLOORS.has(folderOf(x)) && x !== exitCodes)) {
      for (const i of IMPORTS.get(f)!) if (i.target === exitCodes) bad.push(`${rel(f)} imports ${i.spec}`);
      if (/\bexitCode\b/.test(readFileSync(f, 'utf8'))) bad.push(`${rel(f)} mentions exitCode`);
    }
    expect(bad).toEqual([]);
  });

  it("every exported declaration's doc comment starts with its name", () => {
    const bad: string[] = [];
    let count = 0;
    for (const f of FILES) {
      for (const d of exportedDeclarations(f)) {
        count++;
        if (d.doc === undefined) bad.push(`${rel(f)}:${d.line} ${d.name}: no doc comment`);
        else if (!new RegExp(`^${d.name.replace(/\$/g, '\\$')}(?![\\w$])`).test(d.doc)) bad.push(`${rel(f)}:${d.line} ${d.name}: "${d.doc.slice(0, 40)}..."`);
      }
    }
    expect(count).toBeGreaterThan(400);
    expect(bad).toEqual([]);
  });

  it('command files load heavy packages lazily (start-up budget)', () => {
    const bad: string[] = [];
    for (const f of FILES.filter((x) => folderOf(x) === 'commands')) {
      for (const i of IMPORTS.get(f)!) {
        if (!i.dynamic && !i.typeOnly && HEAVY.has(i.spec.split('/')[0]!)) bad.push(`${rel(f)} imports ${i.spec} statically`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no command imports another command (only the lists, index.ts and the command path lines cli/line-*.ts, import command files)', () => {
    const commandFiles = new Set(FILES.filter((f) => /^export default defineCommand\b/m.test(readFileSync(f, 'utf8'))));
    const bad: string[] = [];
    for (const f of FILES.filter((x) => !x.endsWith(`${sep}index.ts`) && !/[/\\]cli[/\\]line-[a-z-]+\.ts$/.test(x))) {
      for (const i of IMPORTS.get(f)!) if (i.target && commandFiles.has(i.target)) bad.push(`${rel(f)} imports ${i.spec}`);
    }
    expect(commandFiles.size).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it('only cli/main.ts sets the exit status or ends the process (proc.exit, on a closed pipe), and nothing calls process.exit', () => {
    const bad: string[] = [];
    for (const f of FILES) {
      const text = readFileSync(f, 'utf8');
      if (/process\.exit\(/.test(text)) bad.push(`${rel(f)} calls process.exit`);
      if (/\bproc\.exit\(/.test(text) && !f.endsWith(join('cli', 'main.ts'))) bad.push(`${rel(f)} calls proc.exit`);
      if (/process\.exitCode\s*=/.test(text) && !f.endsWith(join('cli', 'main.ts'))) bad.push(`${rel(f)} sets process.exitCode`);
    }
    expect(bad).toEqual([]);
  });
});
