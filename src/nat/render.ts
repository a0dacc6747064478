import type { Context } from '../base/context.js';
import { usageError } from '../base/errors.js';
import type { Family } from '../core/index.js';
import type { RenderFormat } from '../render/index.js';
import type { PoolSource } from './pools.js';
import type { FelixSettingsInput } from './settings.js';

/** RenderOptions are nat render's: the pools, the Felix settings, the families and the target. */
export interface RenderOptions {
  readonly source: PoolSource;
  readonly settings: FelixSettingsInput;
  readonly families: readonly Family[];
  /** format is --format; absent: the backend Felix would program (nftablesMode Enabled: nftables, else iptables). */
  readonly format?: RenderFormat;
}

/**
 * renderNatRuleset prints the NAT ruleset Felix would program for the pools: the flags are
 * checked first, then the pools and FelixConfigurations are loaded and the settings resolved
 * (an interface filter nft cannot express is a usage error), and the model is built and
 * rendered for the target: --format, else the backend the node's Felix programs (its
 * nftablesMode: Enabled is nftables; Disabled, unset or refused is iptables, as Felix).
 */
export async function renderNatRuleset(opts: RenderOptions, ctx: Context): Promise<void> {
  const [{ parseNatSettings }, { loadNatInputs, natModelOf }, render, { felixBackend }] = await Promise.all([
    import('./settings.js'),
    import('./pools.js'),
    import('../render/index.js'),
    import('../core/index.js'),
  ]);
  parseNatSettings(opts.settings); // bad flags are usage errors before anything is read
  const { pools, warnings, resolved } = await loadNatInputs(opts.source, opts.settings, ctx, 'nat render');
  const settings = resolved.settings;
  const format = opts.format ?? felixBackend(resolved.felix)?.backend ?? 'iptables';
  if (format === 'nftables' && settings.interfaceFilter !== undefined) {
    const problem = render.nftInterfaceFilterProblem(settings.interfaceFilter);
    if (problem) throw usageError(problem, 'render --format iptables, or give an exact interface name');
  }
  for (const w of warnings) ctx.io.stderr.write(w);
  const model = await natModelOf(pools, settings, opts.families, ctx, 'render --ip-version 4, or leave out --nat-outgoing-address');
  ctx.io.stdout.write(render.renderNat(model, format));
}
