import type { Family, NatModel } from '../core/index.js';
import { applyIptables } from './apply-iptables.js';
import { applyNftables } from './apply-nftables.js';
import { otherBackendWarning, resolveBackend, type BackendChoice } from './backend.js';
import type { Backend } from './desired.js';
import { NFT_TABLE } from '../render/nftables.js';
import { desiredIptables, desiredNftables } from './desired-from-model.js';
import type { HostExec } from './host-exec.js';
import { readIptablesLive, readNftTable } from './live-state.js';
import { planIptablesFamily, planNftablesFamily, setRole, type Change } from './plan.js';

/** HostPlan is the comparison of one model with the kernel, ready to apply. */
export interface HostPlan {
  readonly choice: BackendChoice;
  readonly families: readonly Family[];
  readonly changes: readonly Change[];
  /** conflicts block apply: differences poolctl cannot resolve without touching what it does not own */
  readonly conflicts: readonly string[];
  /** warnings: the other backend also holds NAT state (its rules run too) */
  readonly warnings: readonly string[];
  /** apply makes the changes (a no-op when there are none). */
  apply(): Promise<void>;
}

/**
 * planHost reads the live state of the chosen backend for the model's families and compares
 * it with what the renderers produce for the model. Reading needs root.
 */
export async function planHost(exec: HostExec, model: NatModel, requested: Backend | 'auto'): Promise<HostPlan> {
  const families = model.families.map((f) => f.family);
  const choice = await resolveBackend(exec, requested, families);
  const conflicts: string[] = [];
  const other = await otherBackendWarning(exec, choice.backend);
  const warnings = other ? [other] : [];
  if (choice.backend === 'iptables') {
    const desired = desiredIptables(model);
    const live = await readIptablesLive(exec, families, (n) => families.some((f) => setRole(n, f) !== null));
    const changes = desired.flatMap((d) =>
      planIptablesFamily(d, { family: d.family, sets: live.sets, nat: live.nat.get(d.family) ?? null }, conflicts),
    );
    return { choice, families, changes, conflicts, warnings, apply: () => (changes.length ? applyIptables(exec, desired, live, changes) : Promise.resolve()) };
  }
  const desired = desiredNftables(model);
  const live = await Promise.all(desired.map((d) => readNftTable(exec, d.family, NFT_TABLE)));
  const changes = desired.flatMap((d, i) => planNftablesFamily(d, live[i] ?? null));
  return { choice, families, changes, conflicts, warnings, apply: () => (changes.length ? applyNftables(exec, desired, changes) : Promise.resolve()) };
}
