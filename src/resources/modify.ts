import { applyPatch, type Diagnostic, type PatchType } from '../core/index.js';
import type { ResourceResult } from '../output/results.js';
import type { Modify } from './operations.js';

function patchFailed(message: string): Diagnostic[] {
  return [{ code: 'PATCH_FAILED', severity: 'error', message }];
}

/**
 * patchModification is `poolctl patch`'s change: a parsed patch (core parsePatch) applied to
 * the stored resource's JSON as `type` says (core/json-patch.ts).
 */
export function patchModification(patch: unknown, type: PatchType): Modify {
  return (stored) => {
    const r = applyPatch(stored, patch, type);
    return r.ok ? r : { ok: false, error: patchFailed(r.error) };
  };
}

/** LabelChange is one `poolctl label` request: set key=value (overwrite allowed or not), or remove key. */
export type LabelChange = { readonly key: string; readonly value: string; readonly overwrite: boolean } | { readonly key: string; readonly remove: true };

/** LabelOutcome is what the last run of a label modification did: set a new key, updated one, or removed one. */
export interface LabelOutcome {
  done?: 'set' | 'updated' | 'removed';
}

/**
 * labelModification is `poolctl label`'s change, with calicoctl's rules and words
 * (calicoctl/calicoctl/commands/label.go): an existing key needs --overwrite unless the value
 * is the same; --remove needs the key to be there. `what` is the kind and name as the user
 * typed them ("ippools p1"), which calicoctl's messages repeat.
 */
export function labelModification(change: LabelChange, what: string, outcome: LabelOutcome): Modify {
  return (stored) => {
    const metadata = (stored.metadata ?? {}) as Record<string, unknown>;
    const labels: Record<string, string> = { ...((metadata.labels as Record<string, string> | undefined) ?? {}) };
    const has = Object.prototype.hasOwnProperty.call(labels, change.key);
    const conflict = (message: string): { ok: false; error: Diagnostic[] } => ({
      ok: false,
      error: [{ code: 'LABEL_CONFLICT', severity: 'error', message, path: '/metadata/labels' }],
    });
    if ('remove' in change) {
      if (!has) return conflict(`cannot remove label of ${what}, key ${change.key} does not exist`);
      delete labels[change.key];
      outcome.done = 'removed';
    } else {
      if (has && !change.overwrite && labels[change.key] !== change.value) {
        return conflict(`failed to update label of ${what}, key ${change.key} is already present. please use '--overwrite' to set a new value`);
      }
      outcome.done = has ? 'updated' : 'set';
      labels[change.key] = change.value;
    }
    const { labels: _old, ...rest } = metadata;
    return { ok: true, value: { ...stored, metadata: Object.keys(labels).length > 0 ? { ...rest, labels } : rest } };
  };
}

/**
 * labelReport prints label's outcome in calicoctl's words: `Successfully set label KEY on
 * ippools NAME` (updated, removed from), `ippools NAME not found`, the LABEL_CONFLICT
 * texts, or `failed to update ippools NAME, label not changed: <why>`.
 */
export function labelReport(
  key: string,
  what: string,
  outcome: LabelOutcome,
  dryRun: boolean,
): (results: readonly ResourceResult[]) => { stdout: string[]; stderr: string[] } {
  return (results) => {
    const r = results[0];
    if (!r || r.action !== 'failed') {
      const said = outcome.done === 'removed' ? `removed label ${key} from ${what}` : `${outcome.done === 'updated' ? 'updated' : 'set'} label ${key} on ${what}`;
      return { stdout: [dryRun ? `Dry run: would have ${said}; nothing was written` : `Successfully ${said}`], stderr: [] };
    }
    if (r.code === 'NOT_FOUND') return { stdout: [], stderr: [`${what} not found`] };
    if (r.code === 'LABEL_CONFLICT') return { stdout: [], stderr: [r.message ?? ''] };
    return { stdout: [], stderr: [`failed to update ${what}, label not changed: ${r.message ?? ''}`] };
  };
}
