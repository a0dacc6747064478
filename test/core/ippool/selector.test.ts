import { describe, expect, it } from 'vitest';
import { parseSelector } from '../../../src/core/index.js';

// Calico's selector grammar (libcalico-go/lib/selector/{tokenizer,parser}): cases from its
// parser_test.go and tokenizer_test.go, plus hostile inputs.
describe('parseSelector', () => {
  it.each([
    '',
    '  ',
    'all()',
    'all( )',
    'global()',
    'has(a)',
    'has( a/b.c-d_e )',
    '!has(a)',
    '!!has(a)',
    'a == "b"',
    "a == 'b'",
    'a != "b"',
    'a in {"b", "c"}',
    'a in {}',
    'a in {"b",}',
    'a not in {"b"}',
    'a notin {"b"}',
    'a contains "x"',
    'a starts with "x"',
    'a ends with "x"',
    'a startswith "x"',
    'a == "b" && c != "d"',
    'a == "b" || c != "d" && has(e)',
    '(a == "b" || has(c)) && !(d in {"e"})',
    'region == "east" && environment == "production"',
    'projectcalico.org/zone == "a"',
    '\tall()\t',
  ])('accepts %j', (s) => {
    expect(parseSelector(s).ok).toBe(true);
  });

  it.each([
    ['this is not valid selector syntax', "unexpected characters after label 'this', was expecting an operator"],
    ['a', 'unexpected end of string looking for op'],
    ['a ==', 'expected string'],
    ['a == b', 'expected string'],
    ['a = "b"', 'expected =='],
    ['a & b', 'expected &&'],
    ['a | b', 'expected ||'],
    ['a == "b', 'unterminated string'],
    ['has()', 'no label name in has( expression'],
    ['has(a', "no closing ')' after has("],
    ['all(x)', "no closing ')' after all("],
    ['(all()', 'expected )'],
    ['all())', 'unexpected content at end of selector [TokRParen() TokEOF()]'],
    ['a in "b"', 'expected set literal'],
    ['a in {"b" "c"}', 'expected }'],
    ['&& all()', 'unexpected token: TokAnd()'],
    ['all() &&', 'unexpected token: TokEOF()'],
    ['a == "b"\n', 'unexpected characters'],
    ['a starts "x"', "unexpected characters after label 'a', was expecting an operator"],
    ['$x', 'unexpected characters'],
  ])('rejects %j: %s', (s, message) => {
    const r = parseSelector(s);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe(message);
  });

  it('parses precedence: || binds looser than &&, ! binds tightest', () => {
    const r = parseSelector('!has(a) || b == "c" && d != "e"');
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'or',
        operands: [
          { kind: 'not', operand: { kind: 'has', label: 'a' } },
          { kind: 'and', operands: [{ kind: 'eq', label: 'b', value: 'c' }, { kind: 'ne', label: 'd', value: 'e' }] },
        ],
      },
    });
  });

  it('sorts and deduplicates set literals as Calico does', () => {
    expect(parseSelector('a in {"z", "b", "z"}')).toEqual({ ok: true, value: { kind: 'in', label: 'a', values: ['b', 'z'] } });
  });

  it('bounds nesting without overflowing the stack', () => {
    const r = parseSelector(`${'('.repeat(100_000)}all()${')'.repeat(100_000)}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('selector is nested too deeply');
    expect(parseSelector(`${'('.repeat(200)}all()${')'.repeat(200)}`).ok).toBe(true);
  });

  it('reports the offset where parsing stopped', () => {
    const r = parseSelector('a == "b" && c = "d"');
    expect(r.ok ? -1 : r.error.offset).toBe(14);
  });
});
