import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../../src/core/felix/duration.js';

// covers: src/core/felix/duration.ts
// Expected values are Go's: time.ParseDuration and Duration.String() (Go 1.24).

describe('parseGoDuration / formatGoDuration', () => {
  it.each([
    ['90s', '1m30s'],
    ['1.5h', '1h30m0s'],
    ['300ms', '300ms'],
    ['2h45m', '2h45m0s'],
    ['0', '0s'],
    ['-1.5h', '-1h30m0s'],
    ['+5s', '5s'],
    ['.5s', '500ms'],
    ['1.s', '1s'],
    ['1ns', '1ns'],
    ['1us', '1µs'],
    ['1\u03bcs', '1µs'],
    ['1.0000000001s', '1s'],
    ['0.000000001s', '1ns'],
    ['9223372036854775807ns', '2562047h47m16.854775807s'],
    ['-9223372036854775808ns', '-2562047h47m16.854775808s'],
  ])('%s is stored as %s', (input, stored) => {
    const r = parseGoDuration(input);
    expect(r.ok && formatGoDuration(r.ns)).toBe(stored);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['+', 'time: invalid duration "+"'],
    ['1', 'time: missing unit in duration "1"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['1.5.5s', 'time: missing unit in duration "1.5.5s"'],
    ['s', 'time: invalid duration "s"'],
    ['.s', 'time: invalid duration ".s"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['1é', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
  ])('%j fails with Go\'s text', (input, error) => {
    expect(parseGoDuration(input)).toEqual({ ok: false, error });
  });
});
