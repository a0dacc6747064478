import type { Diagnostic } from './diagnostic.js';
import type { ObjectMeta } from './ippool-types.js';
import { escapePointerSegment } from './json-pointer.js';

/**
 * Metadata rules for Calico resources: validateObjectMeta in libcalico-go/lib/validator/v3/validator.go,
 * with the Kubernetes helpers it calls (k8s.io/apimachinery/pkg/util/validation: IsQualifiedName,
 * IsValidLabelValue, IsDNS1123Subdomain), texts verbatim.
 */

const NAME_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const NAME_SUBDOMAIN_FMT = `${NAME_LABEL_FMT}(\\.${NAME_LABEL_FMT})*`;
const NAME_RE = new RegExp(`^${NAME_SUBDOMAIN_FMT}$`);
/** DNS1123_SUBDOMAIN_MAX is k8svalidation.DNS1123SubdomainMaxLength. */
const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
/** ANNOTATIONS_MAX_BYTES is totalAnnotationSizeLimitB: keys plus values, 256 KiB. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** regexError is k8s validation.RegexError: the message, examples and the regex. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

/** utf8Length is Go's len() of a string: its UTF-8 byte count. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!NAME_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, NAME_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** isQualifiedName is k8s validation.IsQualifiedName: the reasons a label or annotation key is invalid. */
function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0]!;
  } else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (utf8Length(name) > QUALIFIED_NAME_MAX) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  if (!QUALIFIED_NAME_RE.test(name)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/** isValidLabelValue is k8s validation.IsValidLabelValue. */
function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/**
 * validateObjectMeta applies Calico's metadata rules in Calico's order: name length, name
 * format, annotation keys (lower-cased first) and total size, label keys and values. Keys are
 * visited in input order (Go visits maps in random order). Diagnostics carry Calico's field
 * names ("Metadata.Name", "Metadata.Labels (label)") for calicoErrorText.
 */
export function validateObjectMeta(meta: ObjectMeta): Diagnostic[] {
  const out: Diagnostic[] = [];
  const name = meta.name ?? '';
  const nameBytes = utf8Length(name);
  if (nameBytes > DNS1123_SUBDOMAIN_MAX) {
    out.push({
      code: 'NAME_INVALID',
      severity: 'error',
      message: `name is too long by ${nameBytes - DNS1123_SUBDOMAIN_MAX} bytes`,
      path: '/metadata/name',
      field: 'Metadata.Name',
      value: name,
    });
  }
  if (!NAME_RE.test(name)) {
    out.push({
      code: 'NAME_INVALID',
      severity: 'error',
      message: `name must consist of lower case alphanumeric characters, '-' or '.' (regex: ${NAME_SUBDOMAIN_FMT})`,
      path: '/metadata/name',
      field: 'Metadata.Name',
      value: name,
      ...(name === '' ? { hint: 'metadata.name is required (generateName is not supported)' } : {}),
    });
  }
  let total = 0;
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    for (const reason of isQualifiedName(k.toLowerCase())) {
      out.push({
        code: 'ANNOTATION_INVALID',
        severity: 'error',
        message: reason,
        path: `/metadata/annotations/${escapePointerSegment(k)}`,
        field: 'Metadata.Annotations (key)',
        value: k,
      });
    }
    total += utf8Length(k) + utf8Length(v);
  }
  if (total > ANNOTATIONS_MAX_BYTES) {
    out.push({
      code: 'ANNOTATION_INVALID',
      severity: 'error',
      message: `total size of annotations is too large by ${total - ANNOTATIONS_MAX_BYTES} bytes`,
      path: '/metadata/annotations',
      field: 'Metadata.Annotations (key)',
      value: `map[${Object.keys(meta.annotations ?? {}).length} annotations]`,
    });
  }
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    const path = `/metadata/labels/${escapePointerSegment(k)}`;
    for (const reason of isQualifiedName(k)) {
      out.push({ code: 'LABEL_INVALID', severity: 'error', message: reason, path, field: 'Metadata.Labels (label)', value: k });
    }
    for (const reason of isValidLabelValue(v)) {
      out.push({ code: 'LABEL_INVALID', severity: 'error', message: reason, path, field: 'Metadata.Labels (value)', value: v });
    }
  }
  return out;
}
