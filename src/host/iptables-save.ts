import { err, ok, type Result } from '../core/index.js';

/** SavedRule is one `-A CHAIN ...` line of iptables-save: the chain, the rest, its cali: hash. */
export interface SavedRule {
  readonly chain: string;
  /** spec is the line without "-A CHAIN " (and without a "[p:b]" counter prefix). */
  readonly spec: string;
  /** hash is the Felix rule hash from `--comment "cali:<hash>"`, or null for a foreign rule. */
  readonly hash: string | null;
}

/** SavedChain is a chain declaration (`:NAME POLICY [p:b]`) and its rules in order. */
export interface SavedChain {
  readonly name: string;
  /** policy of a built-in chain (ACCEPT, DROP), null for a user chain ("-"). */
  readonly policy: string | null;
  readonly rules: SavedRule[];
}

/** SavedTable is one `*table ... COMMIT` block: chains in declaration order. */
export interface SavedTable {
  readonly name: string;
  readonly chains: Map<string, SavedChain>;
}

/** SaveParseError names the offending line (1-based) of iptables-save output. */
export interface SaveParseError {
  readonly line: number;
  readonly message: string;
}

const HASH_RE = /--comment "?cali:([A-Za-z0-9_-]+)/;

/** ruleHash returns the cali: hash of a rule spec ("-m comment --comment "cali:X" ..."), or null. */
export function ruleHash(spec: string): string | null {
  return HASH_RE.exec(spec)?.[1] ?? null;
}

/**
 * parseIptablesSave parses iptables-save (or ip6tables-save) output, with or without `-c`
 * counters, into tables keyed by name. Comments and blank lines are skipped; a rule for an
 * undeclared chain, a line outside a table, or an unknown line is an error naming the line.
 */
export function parseIptablesSave(text: string): Result<Map<string, SavedTable>, SaveParseError> {
  const tables = new Map<string, SavedTable>();
  let table: SavedTable | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = { name: line.slice(1), chains: new Map() };
      tables.set(table.name, table);
      continue;
    }
    if (!table) return err({ line: n, message: `"${line}" outside a table` });
    if (line === 'COMMIT') {
      table = null;
      continue;
    }
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(line);
      if (!m) return err({ line: n, message: `bad chain declaration "${line}"` });
      table.chains.set(m[1]!, { name: m[1]!, policy: m[2] === '-' ? null : m[2]!, rules: [] });
      continue;
    }
    const m = /^(?:\[\d+:\d+\]\s+)?-A\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) return err({ line: n, message: `unexpected line "${line}"` });
    const chain = table.chains.get(m[1]!);
    if (!chain) return err({ line: n, message: `rule for undeclared chain ${m[1]}` });
    const spec = m[2] ?? '';
    chain.rules.push({ chain: chain.name, spec, hash: ruleHash(spec) });
  }
  if (table) return err({ line: lines.length, message: `table ${table.name} has no COMMIT` });
  return ok(tables);
}
