import type { NatModel } from '../core/index.js';
import { renderIpset } from './ipset.js';
import { renderIptables } from './iptables.js';
import { renderJson } from './json.js';
import { renderNftables } from './nftables.js';

export * from './iptables.js';
export * from './ipset.js';
export * from './nftables.js';
export * from './json.js';

/** RenderFormat is a target of `nat render --format`. */
export type RenderFormat = 'iptables' | 'ipset' | 'nftables' | 'json';

/** renderNat renders a model for one target. */
export function renderNat(model: NatModel, format: RenderFormat): string {
  switch (format) {
    case 'iptables':
      return renderIptables(model);
    case 'ipset':
      return renderIpset(model);
    case 'nftables':
      return renderNftables(model);
    case 'json':
      return renderJson(model);
  }
}
