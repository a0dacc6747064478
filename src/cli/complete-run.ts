import { Writable } from 'node:stream';
import type { Context } from '../base/context.js';
import type { CommandSpec, OptionSpec } from '../commands/command.js';
import type { BaseContext } from './make-context.js';

/** NAMES_TIMEOUT_MS bounds how long completion waits for the store's pool names. */
const NAMES_TIMEOUT_MS = 1000;

/** globalValue returns the value of a global flag (--store X, --store=X, -c X) among completion's words. */
function globalValue(words: readonly string[], flags: readonly string[]): string | undefined {
  let v: string | undefined;
  words.forEach((w, i) => {
    for (const f of flags) {
      if (w === f && i + 1 < words.length - 1) v = words[i + 1];
      else if (w.startsWith(`${f}=`)) v = w.slice(f.length + 1);
    }
  });
  return v;
}

/**
 * resourceNames lists the names of a kind (the registry's, core/kinds.ts; the word that named
 * it, `ippool/a` included) in the store the completed command line would use (its --store or
 * -c, else the environment), within NAMES_TIMEOUT_MS; silent: any failure is no names.
 */
async function resourceNames(kindWord: string, words: readonly string[], base: BaseContext): Promise<string[]> {
  const { IPPOOL_KIND, kindByWord } = await import('../core/index.js');
  const kind = kindByWord(kindWord.split('/')[0]!);
  if (!kind) return [];
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  const store = globalValue(words, ['--store']);
  const config = globalValue(words, ['-c', '--config']);
  const ctx: Context = {
    ...base,
    io: { ...base.io, stderr: quiet },
    color: false,
    global: { color: false, ...(store !== undefined ? { store } : {}), ...(config !== undefined ? { config } : {}) },
  };
  const { openDatastore } = await import('../datastore/index.js');
  let timer: NodeJS.Timeout | undefined;
  const ds = await openDatastore(ctx);
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), NAMES_TIMEOUT_MS);
    });
    if (kind === IPPOOL_KIND) return (await Promise.race([ds.list(), timeout])).items.map((p) => p.metadata.name);
    return (await Promise.race([ds.resources(kind.plural as 'felixconfigurations').list(), timeout])).map((r) => r.metadata.name);
  } finally {
    clearTimeout(timer);
    void ds.close().catch(() => undefined);
  }
}

/**
 * runComplete answers `poolctl __complete WORD...` (the shell scripts of `poolctl completion`
 * call it with the words after `poolctl`, the one being completed last): one candidate a line,
 * or the single line `:files` when the shell should complete file names. It never fails: on
 * any error it offers nothing. The caller passes the declarations (dispatch has them at hand),
 * so this module shares no code with the start-up path and adds no chunk to it.
 */
export async function runComplete(
  words: readonly string[],
  base: BaseContext,
  commands: readonly CommandSpec[],
  globals: Readonly<Record<string, OptionSpec>>,
): Promise<number> {
  try {
    const [{ completeLine }, { RESOURCE_KINDS }] = await Promise.all([import('./complete.js'), import('../core/index.js')]);
    const c = completeLine(
      words,
      commands,
      globals,
      RESOURCE_KINDS.flatMap((k) => k.aliases),
    );
    let out: readonly string[];
    if (c.type === 'files') out = [':files'];
    else if (c.type === 'names') out = await resourceNames(c.kind, words, base).catch(() => []);
    else out = c.words;
    if (out.length > 0) base.io.stdout.write(`${out.join('\n')}\n`);
  } catch {
    // completion is silent on error
  }
  return 0;
}
