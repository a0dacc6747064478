// Deciding what became of a transaction whose answer was lost (the connection dropped, the
// leader died, the request timed out after it was sent), from what its keys hold now. A
// transaction applies atomically at one revision T, so one key that proves it either way
// decides for all of them:
//
//   proof it applied       a created key holds this write's uid (uids are random: no other
//                          write has it); T = that key's create_revision
//   proof it did not       a key it updated or deleted still has the mod_revision the write
//                          required (the write would have changed it)
//   otherwise, all keys    every written key holds exactly the bytes written, at one
//   as left by it          mod_revision T newer than anything read before the write, and
//                          every deleted key is gone: applied at T
//   otherwise, all keys    every created key is absent and every other key is as it was:
//   as before it           not applied
//   otherwise              unknown (other writers changed the keys meanwhile)
//
// What store state cannot tell apart: a write identical to another writer's made at the same
// moment, and a create followed at once by another writer deleting every pool it created.

/** TxnWrite is one key a transaction writes: the bytes put (null: deleted) and what it required. */
export interface TxnWrite {
  readonly key: string;
  /** value is what the write puts; null for a delete. */
  readonly value: Buffer | null;
  /** expect is 'absent' (a create) or the mod_revision the key had to have. */
  readonly expect: 'absent' | string;
}

/** KeyState is a key as a read found it. */
export interface KeyState {
  readonly value: Buffer;
  readonly mod_revision: string;
  readonly create_revision: string;
}

/** Outcome is the verdict: applied (at revision T, null when only deletes and T is unknown), not applied, or unknown. */
export type Outcome =
  | { readonly applied: true; readonly revision: string | null }
  | { readonly applied: false }
  | { readonly applied: 'unknown'; readonly why: string };

/** uidOf returns metadata.uid of a stored IPPool value, or undefined. */
function uidOf(value: Buffer): string | undefined {
  try {
    const uid = (JSON.parse(value.toString('utf8')) as { metadata?: { uid?: unknown } }).metadata?.uid;
    return typeof uid === 'string' && uid !== '' ? uid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * judgeOutcome decides a lost transaction's outcome (the table above) from the state of its
 * keys read after the loss (absent keys missing from `now`) and `seen`, the newest revision
 * read before the transaction was sent.
 */
export function judgeOutcome(writes: readonly TxnWrite[], now: ReadonlyMap<string, KeyState>, seen: bigint): Outcome {
  let provedApplied: string | null = null;
  let provedNot = false;
  let allAsLeft = true;
  let allAsBefore = true;
  let putRevision: string | null = null;
  for (const w of writes) {
    const st = now.get(w.key);
    const unchanged = st !== undefined && w.expect !== 'absent' && st.mod_revision === w.expect;
    if (unchanged) provedNot = true;
    if (w.value) {
      if (w.expect === 'absent' && st && uidOf(st.value) !== undefined && uidOf(st.value) === uidOf(w.value)) provedApplied ??= st.create_revision;
      const left = st !== undefined && st.value.equals(w.value) && BigInt(st.mod_revision) > seen && (putRevision === null || putRevision === st.mod_revision);
      if (left) putRevision = st.mod_revision;
      else allAsLeft = false;
    } else if (st) allAsLeft = false;
    if (!(w.expect === 'absent' ? st === undefined : unchanged)) allAsBefore = false;
  }
  if (provedApplied !== null && provedNot) return { applied: 'unknown', why: 'its keys contradict each other (another writer changed them)' };
  if (provedApplied !== null) return { applied: true, revision: provedApplied };
  if (provedNot) return { applied: false };
  if (allAsLeft) return { applied: true, revision: putRevision };
  if (allAsBefore) return { applied: false };
  return { applied: 'unknown', why: 'another writer changed its pools meanwhile' };
}
