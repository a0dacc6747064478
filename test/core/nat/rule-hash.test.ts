import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { hashChainName, ruleHashes, sha224 } from '../../../src/core/index.js';
import { fcRuns } from '../../support/fc-runs.js';

describe('sha224', () => {
  it('equals node:crypto for any input, across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        expect(Buffer.from(sha224(data)).toString('hex')).toBe(createHash('sha224').update(data).digest('hex'));
      }),
      { numRuns: fcRuns(500) },
    );
    for (const n of [0, 55, 56, 63, 64, 65, 119, 120, 128]) {
      const data = new Uint8Array(n).fill(0x61);
      expect(Buffer.from(sha224(data)).toString('hex')).toBe(createHash('sha224').update(data).digest('hex'));
    }
  });
});

// Hashes observed on real nodes (spec/nat.md §5, §6.4) pin the algorithm down: the seed, the
// chaining, the hash text and the URL-safe base64 cut to 16 characters.

describe('ruleHashes', () => {
  it('reproduces the observed POSTROUTING jump, appended and inserted', () => {
    expect(ruleHashes(hashChainName('POSTROUTING', true), ['-A POSTROUTING*appends* HASH --jump cali-POSTROUTING'])).toEqual([
      '0i8pjzKKPyA34aQD',
    ]);
    expect(ruleHashes(hashChainName('POSTROUTING', false), ['-A POSTROUTING HASH --jump cali-POSTROUTING'])).toEqual(['O3lYWMrLQYEMJtB5']);
  });

  it('chains each hash on the one before (cali-POSTROUTING rule 2 was observed)', () => {
    const [first, second] = ruleHashes('cali-POSTROUTING', [
      '-A cali-POSTROUTING HASH --jump cali-fip-snat',
      '-A cali-POSTROUTING HASH --jump cali-nat-outgoing',
    ]);
    expect(second).toBe('nYKhEzDlr11Jccal');
    expect(first).toBe('Z-c7XtVd2Bq7s_hA');
    // Alone, the second rule hashes differently: the hash depends on the rules before it.
    expect(ruleHashes('cali-POSTROUTING', ['-A cali-POSTROUTING HASH --jump cali-nat-outgoing'])[0]).not.toBe('nYKhEzDlr11Jccal');
  });

  it('hashes nft rules from the namespaced chain (observed in the nft dump)', () => {
    expect(ruleHashes(hashChainName('nat-POSTROUTING', true), ['counter jump nat-cali-POSTROUTING'])).toEqual(['z057H0Z77Fcko47w']);
    expect(ruleHashes('nat-cali-POSTROUTING', ['counter jump nat-cali-fip-snat', 'counter jump nat-cali-nat-outgoing'])).toEqual([
      'tyzVzs_JgnIisxS6',
      '_Ye9aC74uuE93XON',
    ]);
  });

  it('reproduces the masquerade rule seen in many public dumps (all-ipam-pools, random-fully)', () => {
    expect(
      ruleHashes('cali-nat-outgoing', [
        '-A cali-nat-outgoing HASH -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst --jump MASQUERADE --random-fully',
      ]),
    ).toEqual(['flqWnvo8yq4ULQLa']);
  });

  it('gives 16 URL-safe base64 characters', () => {
    for (const h of ruleHashes('x', ['a', 'b', 'c'])) expect(h).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(ruleHashes('x', [])).toEqual([]);
  });
});
