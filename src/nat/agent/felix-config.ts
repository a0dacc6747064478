import { felixBackend, type FelixConfiguration, type FelixNatSettings, type NatSettings } from '../../core/index.js';
import type { RequestedBackend } from '../../host/backend.js';
import type { BackendRequest } from '../host-plan.js';
import { resolveNatSettings, type FelixSettingsInput } from '../settings.js';

// What Felix v3.31.7 does when its configuration changes while it runs (felix/daemon/daemon.go):
// DataplaneConnector.handleConfigUpdate re-resolves the config (felix/config/config_params.go
// Config.resolve: changedFields are the fields whose *parsed* value differs) and, unless every
// changed field is in handledConfigChanges (CalicoVersion, ClusterGUID, ClusterType,
// HealthTimeoutOverrides), shuts down with reasonConfigChanged and exits with configChangedRC
// = 129 ("Exiting for config change") for its supervisor to restart it. nftablesMode and every
// NAT setting are not in that list: Felix restarts for each. On its next start it programs the
// chosen dataplane and cleans the other (felix/dataplane/linux/int_dataplane.go: nftables mode
// adds the iptables tables and ipsets to cleanupTables/cleanupIPSets; iptables mode the
// "calico" nft table). The agent does the same (agent.ts, start.ts).

/** AgentFelix is what the agent takes from the FelixConfigurations and its flags at start. */
export interface AgentFelix {
  /** settings are the NAT settings the model is built with. */
  readonly settings: NatSettings;
  /** backend is the backend asked for: --backend, else nftablesMode's (with why), else auto. */
  readonly backend: RequestedBackend;
  /** values are the settings Felix would compare, by name, as text (settingValues). */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * settingValues are the Felix settings the agent programs with, each as the text of its parsed
 * value (what Felix compares: a new spelling of the same value, or the same value moved to
 * another FelixConfiguration, is no change). nftablesMode, and the backend it asks for, count
 * only without --backend (a flag, like Felix's environment, is a source above the datastore);
 * the backend also tells no nftablesMode (poolctl's host detection) from one Felix refuses
 * (its default, iptables).
 */
export function settingValues(felix: FelixNatSettings, backendFlag: BackendRequest | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(felix)) {
    if (name === 'node' || (name === 'nftablesMode' && backendFlag !== undefined)) continue;
    out[name] = JSON.stringify((s as { value: unknown }).value ?? null);
  }
  if (backendFlag === undefined) out.backend = JSON.stringify(felixBackend(felix)?.backend ?? 'auto');
  return out;
}

/**
 * agentFelix resolves the agent's settings for `node` from the FelixConfigurations read
 * (default, then node.<node>, then the flags: resolveNatSettings) and the backend as nat apply
 * chooses it.
 */
export function agentFelix(node: string, configs: readonly FelixConfiguration[], flags: FelixSettingsInput, backendFlag: BackendRequest | undefined): AgentFelix {
  const { settings, felix } = resolveNatSettings({ node, configs, flags });
  const backend: RequestedBackend = backendFlag !== undefined ? { backend: backendFlag } : (felixBackend(felix) ?? { backend: 'auto' });
  return { settings, backend, values: settingValues(felix, backendFlag) };
}

/** settingChanges names each setting whose value differs between two settingValues: `nftablesMode "Disabled" -> "Enabled"`. */
export function settingChanges(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return names.filter((n) => before[n] !== after[n]).map((n) => `${n} ${before[n] ?? 'null'} -> ${after[n] ?? 'null'}`);
}
