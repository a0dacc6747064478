import { describe, expect, it } from 'vitest';
import { formatTabwriter } from '../../src/output/tabwriter.js';

// Go text/tabwriter with calicoctl's settings: minwidth 5, tabwidth 1, padding 3, every cell tab-terminated.
describe('formatTabwriter', () => {
  it('pads every column to its widest cell plus 3, the last one too', () => {
    expect(formatTabwriter([['NAME', 'CIDR'], ['ippool-name1', '10.0.1.0/24']])).toBe('NAME           CIDR          \nippool-name1   10.0.1.0/24   \n');
  });
  it('gives narrow columns the minimum width of 5', () => {
    expect(formatTabwriter([['A', 'B'], ['x', '']])).toBe('A    B    \nx         \n');
  });
  it('counts code points, as tabwriter counts runes', () => {
    expect(formatTabwriter([['é', 'x'], ['abcdef', 'y']])).toBe('é        x    \nabcdef   y    \n');
  });
  it('prints nothing for no rows', () => {
    expect(formatTabwriter([])).toBe('');
  });
});
