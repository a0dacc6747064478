import { describe, expect, it } from 'vitest';
import { judgeOutcome, type KeyState, type TxnWrite } from '../../src/datastore/etcd-outcome.js';

// What became of a transaction whose answer was lost, from its keys' state afterwards. The
// transaction below was read at revision 10 (seen) and, had it applied, applied at 12.

const value = (name: string, uid: string, extra = ''): Buffer =>
  Buffer.from(`{"kind":"IPPool","apiVersion":"projectcalico.org/v3","metadata":{"name":"${name}","uid":"${uid}"},"spec":{"cidr":"10.0.0.0/16"${extra}}}`);

const create = (name: string, uid: string): TxnWrite => ({ key: name, value: value(name, uid), expect: 'absent' });
const update = (name: string, uid: string, expect: string): TxnWrite => ({ key: name, value: value(name, uid, ',"natOutgoing":true'), expect });
const del = (name: string, expect: string): TxnWrite => ({ key: name, value: null, expect });
const at = (v: Buffer, mod: number, created = mod): KeyState => ({ value: v, mod_revision: String(mod), create_revision: String(created) });

const SEEN = 10n;

describe('judgeOutcome: a lost transaction decided from its keys', () => {
  const txn = [create('a', 'uid-a'), update('b', 'uid-b', '7'), del('c', '8')];

  it.each<[string, readonly TxnWrite[], [string, KeyState][], ReturnType<typeof judgeOutcome>]>([
    ['applied: every key as the write left it, one revision', txn, [['a', at(txn[0]!.value!, 12)], ['b', at(txn[1]!.value!, 12, 3)]], { applied: true, revision: '12' }],
    ['applied: a created key holds its uid, though changed since', txn, [['a', at(value('a', 'uid-a', ',"disabled":true'), 15, 12)], ['b', at(value('b', 'uid-b', ',"x":1'), 14, 3)]], { applied: true, revision: '12' }],
    ['not applied: every key as before', txn, [['b', at(value('b', 'uid-b'), 7, 3)], ['c', at(value('c', 'uid-c'), 8)]], { applied: false }],
    ['not applied: one key still at its required revision, the others changed by someone else', txn, [['a', at(value('a', 'other'), 11)], ['b', at(value('b', 'uid-b'), 7, 3)]], { applied: false }],
    ['unknown: another writer changed every key', txn, [['a', at(value('a', 'other'), 11)], ['b', at(value('b', 'uid-b', ',"y":2'), 11, 3)]], { applied: 'unknown', why: 'another writer changed its pools meanwhile' }],
    ['unknown: proof both ways (keys contradict)', txn, [['a', at(txn[0]!.value!, 12)], ['c', at(value('c', 'uid-c'), 8)]], { applied: 'unknown', why: 'its keys contradict each other (another writer changed them)' }],
    ['creates only, all absent: not applied', [create('a', 'uid-a'), create('b', 'uid-b')], [], { applied: false }],
    ['creates only, all present with their uids: applied', [create('a', 'uid-a'), create('b', 'uid-b')], [['a', at(value('a', 'uid-a'), 12)], ['b', at(value('b', 'uid-b'), 12)]], { applied: true, revision: '12' }],
    ['a create whose name another writer took (other uid): cannot tell (it may have been applied and deleted since)', [create('a', 'uid-a')], [['a', at(value('a', 'uid-x'), 11)]], { applied: 'unknown', why: 'another writer changed its pools meanwhile' }],
    ['deletes only, all gone: applied, revision unknown', [del('c', '8'), del('d', '9')], [], { applied: true, revision: null }],
    ['deletes only, one still there: not applied', [del('c', '8'), del('d', '9')], [['d', at(value('d', 'uid-d'), 9)]], { applied: false }],
    ['an update whose bytes are there but not newer than what was read: not its doing', [update('b', 'uid-b', '7')], [['b', at(update('b', 'uid-b', '7').value!, 9, 3)]], { applied: 'unknown', why: 'another writer changed its pools meanwhile' }],
    ['updates at two different revisions cannot be one transaction', [update('b', 'uid-b', '7'), update('e', 'uid-e', '6')], [['b', at(update('b', 'uid-b', '7').value!, 12, 3)], ['e', at(update('e', 'uid-e', '6').value!, 13, 2)]], { applied: 'unknown', why: 'another writer changed its pools meanwhile' }],
  ])('%s', (_name, writes, keys, want) => {
    expect(judgeOutcome(writes, new Map(keys), SEEN)).toEqual(want);
  });
});
