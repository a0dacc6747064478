import { goValueText } from './calico-error.js';
import type { Diagnostic, DiagnosticCode } from './diagnostic.js';
import { DEFAULT_ALLOWED_USES, defaultBlockSize } from './defaults.js';
import { validateObjectMeta } from './meta.js';
import type { IPPool, IPPoolSpec } from './types.js';
import type { OverlapIndex } from './overlap-index.js';
import { canonicalPrefixText, equalPrefix, formatPrefix, overlaps, parsePrefix, type Prefix } from '../net/prefix.js';
import { parseSelector } from './selector.js';

/**
 * Calico v3.31's IPPool write-path rules, in Calico's order and words:
 * validateAndSetDefaults (libcalico-go/lib/clientv3/ippool.go) and validator.Validate
 * (libcalico-go/lib/validator/v3/validator.go: field tags, validateObjectMeta, validateIPPoolSpec).
 * See spec/ippool.md §3.
 */

const LINK_LOCAL_V4: Prefix = { family: 4, value: 0xa9fe0000n, bits: 16 };
const LINK_LOCAL_V6: Prefix = { family: 6, value: 0xfe80n << 112n, bits: 10 };

/** isEncapMode reports whether s is one of the validator's encapsulation modes (case-sensitive). */
function isEncapMode(s: string): boolean {
  return s === 'Never' || s === 'Always' || s === 'CrossSubnet';
}

/** isAssignmentMode reports whether s is one of the validator's assignment modes (case-sensitive). */
function isAssignmentMode(s: string): boolean {
  return s === 'Automatic' || s === 'Manual';
}

/** SELECTOR_FIELDS are the spec's selector fields, in field order, and their Go names. */
const SELECTOR_FIELDS = ['nodeSelector', 'namespaceSelector'] as const;
const SELECTOR_GO_FIELDS = ['NodeSelector', 'NamespaceSelector'] as const;

/** HINTS clarify Calico texts that mislead; the text itself stays verbatim (decision 3). */
const HINTS = {
  lbBgpExport: 'fires when disableBGPExport is true; LoadBalancer pools must keep BGP export enabled',
  lbTypo:
    "'LoadBalacer' is Calico's spelling; a LoadBalancer pool cannot take other uses, and an omitted allowedUses means [Workload, Tunnel]",
  encapNotLb: 'this pool is not a LoadBalancer pool; Calico names LoadBalancer in this message for every pool',
};

function fieldError(
  code: DiagnosticCode,
  message: string,
  path: string,
  field: string,
  value?: unknown,
  hint?: string,
): Diagnostic {
  // One shape for every rule diagnostic (absent members are undefined): they are made per pool.
  return { code, severity: 'error', message, path, field, value: value === undefined ? undefined : goValueText(value), hint };
}

/** tagReason is the validator's text for a failed field tag (extractReason), trailing space included. */
function tagReason(goField: string, tag: string): string {
  return `Reason: failed to validate Field: ${goField} because of Tag: ${tag} `;
}

/**
 * cidrChangeOK is clientv3's cidrChangeOK (v3.31+): same text, or the same network with new
 * canonical. newCIDR is the canonical text of newPrefix, so only the old CIDR needs parsing.
 */
function cidrChangeOK(oldCIDR: string, newCIDR: string, newPrefix: Prefix): boolean {
  if (oldCIDR === newCIDR) return true;
  const o = parsePrefix(oldCIDR);
  return o.ok && equalPrefix(o.value.prefix, newPrefix);
}

/** ClientRulesResult is the outcome of validateAndSetDefaults: the defaulted pool and clientv3's errors. */
export interface ClientRulesResult {
  readonly pool: IPPool;
  readonly errors: Diagnostic[];
  /** prefix is the pool's network, when its CIDR parsed; the returned spec.cidr is then its canonical text. */
  readonly prefix?: Prefix;
}

/**
 * validateAndSetDefaults is clientv3's validateAndSetDefaults(new, old): it returns a copy of
 * the pool with a defaulted, normalised spec and clientv3's errors (spec/ippool.md §3.2). With
 * `old` (the stored pool) it is an Update (immutable CIDR, blockSize, LoadBalancer use);
 * without, a Create, checked for overlaps against `overlapIndex` when given (pools of the
 * same name are skipped so that "already exists" wins). Early returns are Calico's: an empty
 * or unparsable CIDR, and leaving LoadBalancer use, end the checks with that one error.
 * With `inPlace` (for a pool the caller owns, such as decodeIPPool's) the pool itself is
 * returned with its spec defaulted, sparing a copy.
 */
export function validateAndSetDefaults(pool: IPPool, oldPool?: IPPool, overlapIndex?: OverlapIndex, inPlace = false): ClientRulesResult {
  const input = pool.spec ?? ({} as IPPoolSpec);
  const old = oldPool?.spec;
  const name = pool.metadata?.name ?? '';
  // The defaulted values, set in Calico's order; the spec is built once at the end (adding
  // properties one by one to a copy is ~10x slower on this hot path).
  let cidr = input.cidr;
  let nodeSelector = input.nodeSelector;
  let blockSize = input.blockSize;
  let allowedUses = input.allowedUses;
  let assignmentMode = input.assignmentMode;
  let ipipMode = input.ipipMode;
  let vxlanMode = input.vxlanMode;
  let prefix: Prefix | undefined;
  let errors: Diagnostic[] = [];
  const cidrField = 'IPPool.Spec.CIDR';
  // Calico's early returns leave this block with their one error.
  rules: {
    if (!cidr) {
      errors = [fieldError('CIDR_REQUIRED', 'IPPool CIDR must be specified', '/spec/cidr', cidrField)];
      break rules;
    }
    const parsed = parsePrefix(cidr);
    if (!parsed.ok) {
      errors = [fieldError('CIDR_INVALID', 'IPPool CIDR must be a valid subnet', '/spec/cidr', cidrField, cidr, parsed.error.message)];
      break rules;
    }
    prefix = parsed.value.prefix;
    const family = prefix.family;
    cidr = canonicalPrefixText(cidr, parsed.value);
    if (!nodeSelector) nodeSelector = 'all()';
    if (old && !cidrChangeOK(old.cidr ?? '', cidr, prefix)) {
      errors.push(fieldError('IMMUTABLE_FIELD', 'IPPool CIDR cannot be modified', '/spec/cidr', cidrField, cidr, `the stored CIDR is ${old.cidr}`));
    }
    if (!blockSize) blockSize = defaultBlockSize(family);
    if (!allowedUses || allowedUses.length === 0) allowedUses = [...DEFAULT_ALLOWED_USES];
    if (old && (old.allowedUses ?? []).includes('LoadBalancer') && allowedUses.some((u) => u !== 'LoadBalancer')) {
      errors = [
        fieldError(
          'IMMUTABLE_FIELD',
          'IPPool allowed use cannot be changed from LoadBalacer to Workload or Tunnel',
          '/spec/allowedUses',
          'IPPool.Spec.AllowedUses',
          allowedUses,
          HINTS.lbTypo,
        ),
      ];
      break rules;
    }
    if (assignmentMode === undefined || assignmentMode === null) assignmentMode = 'Automatic';
    if (old && old.blockSize !== blockSize) {
      const why = `the stored blockSize is ${old.blockSize}${input.blockSize ? '' : '; an omitted blockSize means the default'}`;
      errors.push(fieldError('IMMUTABLE_FIELD', 'IPPool BlockSize cannot be modified', '/spec/blockSize', 'IPPool.Spec.BlockSize', blockSize, why));
    }
    const minBlock = family === 4 ? 20 : 116;
    const maxBlock = family === 4 ? 32 : 128;
    if (blockSize > maxBlock || blockSize < minBlock) {
      errors.push(
        fieldError('BLOCK_SIZE_RANGE', `IPv${family} block size must be between ${minBlock} and ${maxBlock}`, '/spec/blockSize', 'IPPool.Spec.BlockSize', blockSize),
      );
    }
    if (!input.disabled && prefix.bits > blockSize) {
      errors.push(
        fieldError(
          'POOL_TOO_SMALL',
          'IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.',
          '/spec/cidr',
          cidrField,
          cidr,
        ),
      );
    }
    if (!old && overlapIndex) {
      for (const other of overlapIndex.overlapping(prefix, name)) {
        errors.push(
          fieldError('POOL_OVERLAP', `IPPool(${name}) CIDR overlaps with IPPool(${other.name}) CIDR ${other.cidr}`, '/spec/cidr', cidrField, cidr),
        );
      }
    }
    if (!ipipMode) ipipMode = 'Never';
    if (!vxlanMode) vxlanMode = 'Never';
    if (vxlanMode !== 'Never' && ipipMode !== 'Never') {
      errors.push(fieldError('ENCAP_CONFLICT', 'Cannot enable both VXLAN and IPIP on the same IPPool', '/spec/vxlanMode', 'IPPool.Spec.VXLANMode', vxlanMode));
    }
    if (family === 6 && ipipMode !== 'Never') {
      errors.push(fieldError('IPIP_V6', 'IPIP is not supported on an IPv6 IP pool', '/spec/ipipMode', 'IPPool.Spec.IPIPMode', ipipMode));
    }
    if (parsed.value.hostBitsSet) {
      const why = `host bits are set in ${input.cidr}; Calico rejects it rather than clearing them`;
      errors.push(fieldError('CIDR_NOT_MASKED', 'IPPool CIDR is not strictly masked', '/spec/cidr', cidrField, cidr, why));
    }
    if (family === 4 && overlaps(prefix, LINK_LOCAL_V4)) {
      errors.push(fieldError('CIDR_LINK_LOCAL', 'IPPool CIDR overlaps with IPv4 Link Local range 169.254.0.0/16', '/spec/cidr', cidrField, cidr));
    }
    if (family === 6 && overlaps(prefix, LINK_LOCAL_V6)) {
      errors.push(fieldError('CIDR_LINK_LOCAL', 'IPPool CIDR overlaps with IPv6 Link Local range fe80::/10', '/spec/cidr', cidrField, cidr));
    }
  }
  if (inPlace) {
    input.cidr = cidr;
    input.vxlanMode = vxlanMode;
    input.ipipMode = ipipMode;
    input.blockSize = blockSize;
    input.nodeSelector = nodeSelector;
    input.allowedUses = allowedUses;
    input.assignmentMode = assignmentMode;
    return { pool, errors, prefix };
  }
  const spec: IPPoolSpec = {
    cidr,
    vxlanMode,
    ipipMode,
    natOutgoing: input.natOutgoing,
    disabled: input.disabled,
    disableBGPExport: input.disableBGPExport,
    blockSize,
    nodeSelector,
    namespaceSelector: input.namespaceSelector,
    ipip: input.ipip,
    'nat-outgoing': input['nat-outgoing'],
    allowedUses,
    assignmentMode,
  };
  return { pool: { ...pool, spec }, errors, prefix };
}

/** parseCIDROrIP is libcalico-go's net.ParseCIDROrIP: a bare IP reads as /32 or /128. */
function parseCIDROrIP(s: string): ReturnType<typeof parsePrefix> {
  return s.includes('/') ? parsePrefix(s) : parsePrefix(`${s}/${s.includes(':') ? 128 : 32}`);
}

/** SELECTOR_CACHE_MAX bounds selectorError's cache (pools repeat a few selectors; all() is never parsed). */
const SELECTOR_CACHE_MAX = 1024;
const selectorErrors = new Map<string, string | null>();

/**
 * selectorError returns why a selector does not parse (parseSelector's message and offset),
 * or null; answers are cached by text, as many pools share their selectors.
 */
function selectorError(sel: string): string | null {
  let e = selectorErrors.get(sel);
  if (e === undefined) {
    const r = parseSelector(sel);
    e = r.ok ? null : `${r.error.message} (at offset ${r.error.offset})`;
    if (selectorErrors.size >= SELECTOR_CACHE_MAX) selectorErrors.clear();
    selectorErrors.set(sel, e);
  }
  return e;
}

function encapEnabled(mode: string | undefined): boolean {
  return mode === 'Always' || mode === 'CrossSubnet';
}

/**
 * validateIPPool is Calico's validator.Validate for an IPPool (spec/ippool.md §3.3): metadata
 * rules, then the spec's field tags in field order, then validateIPPoolSpec. It does not
 * default anything: run it on validateAndSetDefaults' output, as clientv3 does. `canonical`,
 * when given, is the prefix whose canonical text spec.cidr is (validateAndSetDefaults'
 * `prefix`), so the CIDR need not be parsed again.
 */
export function validateIPPool(pool: IPPool, canonical?: Prefix): Diagnostic[] {
  const out = validateObjectMeta(pool.metadata ?? { name: '' });
  const spec = pool.spec;
  // Field tags, in IPPoolSpec field order.
  const cidr = spec.cidr ?? '';
  const net: ReturnType<typeof parsePrefix> = canonical
    ? { ok: true, value: { prefix: canonical, addr: { family: canonical.family, value: canonical.value }, hostBitsSet: false } }
    : parseCIDROrIP(cidr);
  if (!net.ok || net.value.hostBitsSet) out.push(fieldError('CIDR_INVALID', tagReason('CIDR', 'net'), '/spec/cidr', 'CIDR', cidr));
  if (spec.vxlanMode && !isEncapMode(spec.vxlanMode)) {
    out.push(fieldError('ENUM_INVALID', tagReason('VXLANMode', 'vxlanMode'), '/spec/vxlanMode', 'VXLANMode', spec.vxlanMode, 'one of Never, Always, CrossSubnet (case-sensitive)'));
  }
  if (spec.ipipMode && !isEncapMode(spec.ipipMode)) {
    out.push(fieldError('ENUM_INVALID', tagReason('IPIPMode', 'ipIpMode'), '/spec/ipipMode', 'IPIPMode', spec.ipipMode, 'one of Never, Always, CrossSubnet (case-sensitive)'));
  }
  for (let f = 0; f < SELECTOR_FIELDS.length; f++) {
    const key = SELECTOR_FIELDS[f]!;
    const sel = spec[key];
    if (!sel || sel === 'all()') continue;
    const why = selectorError(sel);
    const goField = SELECTOR_GO_FIELDS[f]!;
    if (why !== null) out.push(fieldError('SELECTOR_INVALID', tagReason(goField, 'selector'), `/spec/${key}`, goField, sel, why));
  }
  if (spec.ipip !== undefined && spec.ipip !== null) {
    out.push(fieldError('DEPRECATED_FIELD', tagReason('IPIP', 'mustBeNil'), '/spec/ipip', 'IPIP', `&{${spec.ipip.enabled ?? false} ${spec.ipip.mode ?? ''}}`, 'ipip is deprecated: use ipipMode'));
  }
  if (spec['nat-outgoing'] === true) {
    out.push(fieldError('DEPRECATED_FIELD', tagReason('NATOutgoingV1', 'mustBeFalse'), '/spec/nat-outgoing', 'NATOutgoingV1', true, 'nat-outgoing is deprecated: use natOutgoing'));
  }
  if (spec.assignmentMode !== undefined && spec.assignmentMode !== null && !isAssignmentMode(spec.assignmentMode)) {
    out.push(fieldError('ENUM_INVALID', tagReason('AssignmentMode', 'assignmentMode'), '/spec/assignmentMode', 'AssignmentMode', spec.assignmentMode, 'one of Automatic, Manual (case-sensitive)'));
  }
  // validateIPPoolSpec (struct level).
  if (cidr === '') out.push(fieldError('CIDR_REQUIRED', 'IPPool CIDR must be specified', '/spec/cidr', 'IPpool.CIDR', ''));
  if (!net.ok) {
    out.push(fieldError('CIDR_INVALID', 'IPPool CIDR must be a valid subnet', '/spec/cidr', 'IPpool.CIDR', cidr));
    return out;
  }
  const prefix = net.value.prefix;
  // The canonical CIDR, for error values only.
  const normalised = (): string => formatPrefix(prefix);
  const uses = spec.allowedUses ?? [];
  const isLB = uses.includes('LoadBalancer');
  if (prefix.family === 6 && spec.ipipMode !== 'Never') {
    out.push(fieldError('IPIP_V6', "IPIPMode other than 'Never' is not supported on an IPv6 IP pool", '/spec/ipipMode', 'IPpool.IPIPMode', spec.ipipMode ?? ''));
  }
  if (encapEnabled(spec.ipipMode) && encapEnabled(spec.vxlanMode)) {
    out.push(fieldError('ENCAP_CONFLICT', 'IPIPMode and VXLANMode cannot be enabled on LoadBalancer IP pool', '/spec/ipipMode', 'IPpool.IPIPMode', spec.ipipMode, isLB ? undefined : HINTS.encapNotLb));
  }
  if (isLB && (encapEnabled(spec.ipipMode) || encapEnabled(spec.vxlanMode))) {
    out.push(fieldError('LB_RULE', 'Neither IPIPMode nor VXLANMode can be enabled on AllowedUses LoadBalancer IP pool', encapEnabled(spec.ipipMode) ? '/spec/ipipMode' : '/spec/vxlanMode', 'IPpool.IPIPMode', spec.ipipMode ?? ''));
  }
  const blockSize = spec.blockSize || defaultBlockSize(prefix.family);
  if (!spec.disabled && prefix.bits > blockSize) {
    out.push(fieldError('POOL_TOO_SMALL', 'IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size.', '/spec/cidr', 'IPpool.CIDR', normalised()));
  }
  if (net.value.hostBitsSet) out.push(fieldError('CIDR_NOT_MASKED', 'IP pool CIDR is not strictly masked', '/spec/cidr', 'IPpool.CIDR', normalised()));
  if (prefix.family === 4 && overlaps(prefix, LINK_LOCAL_V4)) {
    out.push(fieldError('CIDR_LINK_LOCAL', 'IP pool range overlaps with IPv4 Link Local range 169.254.0.0/16', '/spec/cidr', 'IPpool.CIDR', normalised()));
  }
  if (prefix.family === 6 && overlaps(prefix, LINK_LOCAL_V6)) {
    out.push(fieldError('CIDR_LINK_LOCAL', 'IP pool range overlaps with IPv6 Link Local range fe80::/10', '/spec/cidr', 'IPpool.CIDR', normalised()));
  }
  for (let i = 0; i < uses.length; i++) {
    const u = uses[i]!;
    if (u === 'LoadBalancer') continue;
    if (u === 'Workload' || u === 'Tunnel') {
      if (isLB) out.push(fieldError('ALLOWED_USES', `LoadBalancer cannot be used at the same time as: ${u}`, `/spec/allowedUses/${i}`, 'IPpool.AllowedUses', uses));
      continue;
    }
    out.push(fieldError('ALLOWED_USES', `unknown use: ${u}`, `/spec/allowedUses/${i}`, 'IPpool.AllowedUses', uses, 'one of Workload, Tunnel, LoadBalancer (case-sensitive)'));
  }
  if (isLB && spec.disableBGPExport) {
    out.push(fieldError('LB_RULE', 'IP Pool with AllowedUse LoadBalancer must have DisableBGPExport set to true', '/spec/disableBGPExport', 'IPpool.DisableBGPExport', normalised(), HINTS.lbBgpExport));
  }
  if (isLB && spec.nodeSelector !== 'all()') {
    out.push(fieldError('LB_RULE', 'IP Pool with AllowedUse LoadBalancer must have node selector set to all()', '/spec/nodeSelector', 'IPpool.NodeSelector', normalised()));
  }
  // v3.31+: namespaceSelector rules and no global() in IPPool selectors.
  if (uses.includes('Tunnel') && spec.namespaceSelector) {
    out.push(
      fieldError(
        'NS_SELECTOR_TUNNEL',
        'IP Pool with AllowedUse Tunnel cannot have namespaceSelector specified - tunnel IPs are not namespaced resources',
        '/spec/namespaceSelector',
        'IPpool.NamespaceSelector',
        spec.namespaceSelector,
        'Tunnel is also a default use (an omitted allowedUses means [Workload, Tunnel]); set allowedUses: [Workload]',
      ),
    );
  }
  for (let f = 0; f < SELECTOR_FIELDS.length; f++) {
    const key = SELECTOR_FIELDS[f]!;
    const goField = SELECTOR_GO_FIELDS[f]!;
    const sel = spec[key];
    if (sel && sel.includes('global(')) {
      out.push(fieldError('SELECTOR_INVALID', `global() selector is not valid for IPPool ${key} - use all() instead`, `/spec/${key}`, `IPpool.${goField}`, sel));
    }
  }
  return out;
}
