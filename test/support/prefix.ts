import { parseAddr, parsePrefix, type Addr, type Prefix } from '../../src/core/index.js';

/** mustParsePrefix parses a prefix or throws; for tests only (core has no must* helpers). */
export function mustParsePrefix(s: string): Prefix {
  const r = parsePrefix(s);
  if (!r.ok) throw new Error(`bad prefix in test: ${s}: ${r.error.message}`);
  return r.value.prefix;
}

/** mustParseAddr parses an address or throws; for tests only. */
export function mustParseAddr(s: string): Addr {
  const r = parseAddr(s);
  if (!r.ok) throw new Error(`bad address in test: ${s}: ${r.error.message}`);
  return r.value;
}
