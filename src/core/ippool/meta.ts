import type { Diagnostic } from './diagnostic.js';
import type { ObjectMeta } from './types.js';
import { escapePointerSegment } from '../json-pointer.js';

/**
 * Metadata rules for Calico resources: validateObjectMeta in libcalico-go/lib/validator/v3/validator.go,
 * with the Kubernetes helpers it calls (k8s.io/apimachinery/pkg/util/validation: IsQualifiedName,
 * IsValidLabelValue, IsDNS1123Subdomain), texts verbatim.
 */

const NAME_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const NAME_SUBDOMAIN_FMT = `${NAME_LABEL_FMT}(\\.${NAME_LABEL_FMT})*`;
/** DNS1123_SUBDOMAIN_MAX is k8svalidation.DNS1123SubdomainMaxLength. */
const DNS1123_SUBDOMAIN_MAX = 253;
const QUALIFIED_NAME_MAX = 63;
const LABEL_VALUE_MAX = 63;
/** ANNOTATIONS_MAX_BYTES is totalAnnotationSizeLimitB: keys plus values, 256 KiB. */
export const ANNOTATIONS_MAX_BYTES = 256 * 1024;

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** isAlnum reports whether a character code is [A-Za-z0-9] (lower: [a-z0-9] only). */
function isAlnum(c: number, lower: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (!lower && c >= 65 && c <= 90);
}

/**
 * isSubdomain reports whether s[from, to) matches NAME_SUBDOMAIN_FMT: dot-separated labels of
 * [a-z0-9] and '-', each starting and ending with [a-z0-9] (without a regex: this runs for
 * every pool's name and label keys).
 */
function isSubdomain(s: string, from: number, to: number): boolean {
  if (from >= to) return false;
  let start = from;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : 46;
    if (c === 46 /* . */) {
      if (i === start || !isAlnum(s.charCodeAt(start), true) || !isAlnum(s.charCodeAt(i - 1), true)) return false;
      start = i + 1;
    } else if (!isAlnum(c, true) && c !== 45 /* - */) {
      return false;
    }
  }
  return true;
}

/**
 * isQualifiedPart reports whether s[from, to) matches QUALIFIED_NAME_FMT: [A-Za-z0-9] at both
 * ends, [-A-Za-z0-9_.] between.
 */
function isQualifiedPart(s: string, from: number, to: number): boolean {
  if (from >= to || !isAlnum(s.charCodeAt(from), false) || !isAlnum(s.charCodeAt(to - 1), false)) return false;
  for (let i = from + 1; i < to - 1; i++) {
    const c = s.charCodeAt(i);
    if (!isAlnum(c, false) && c !== 45 && c !== 95 && c !== 46) return false;
  }
  return true;
}

/** NO_ERRORS is the answer of the k8s checks below for a valid value (shared: the common case). */
const NO_ERRORS: readonly string[] = [];

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

function isDNS1123Subdomain(v: string): readonly string[] {
  const long = utf8Length(v) > DNS1123_SUBDOMAIN_MAX;
  const ok = isSubdomain(v, 0, v.length);
  if (!long && ok) return NO_ERRORS;
  const errs: string[] = [];
  if (long) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX));
  if (!ok) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, NAME_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** isQualifiedName is k8s validation.IsQualifiedName: the reasons a label or annotation key is invalid. */
function isQualifiedName(v: string): readonly string[] {
  const slash = v.indexOf('/');
  if (slash < 0 && v.length <= QUALIFIED_NAME_MAX && isQualifiedPart(v, 0, v.length)) return NO_ERRORS;
  const errs: string[] = [];
  let name: string;
  if (slash < 0) {
    name = v;
  } else if (v.indexOf('/', slash + 1) < 0) {
    const prefix = v.slice(0, slash);
    name = v.slice(slash + 1);
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (utf8Length(name) > QUALIFIED_NAME_MAX) errs.push(`name part ${maxLenError(QUALIFIED_NAME_MAX)}`);
  if (!isQualifiedPart(name, 0, name.length)) {
    errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

/** isValidLabelValue is k8s validation.IsValidLabelValue. */
function isValidLabelValue(v: string): readonly string[] {
  const long = utf8Length(v) > LABEL_VALUE_MAX;
  const ok = v.length === 0 || isQualifiedPart(v, 0, v.length);
  if (!long && ok) return NO_ERRORS;
  const errs: string[] = [];
  if (long) errs.push(maxLenError(LABEL_VALUE_MAX));
  if (!ok) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
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
  if (!isSubdomain(name, 0, name.length)) {
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
  const annotations = meta.annotations;
  if (annotations) {
    let total = 0;
    const keys = Object.keys(annotations);
    for (const k of keys) {
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
      total += utf8Length(k) + utf8Length(annotations[k]!);
    }
    if (total > ANNOTATIONS_MAX_BYTES) {
      out.push({
        code: 'ANNOTATION_INVALID',
        severity: 'error',
        message: `total size of annotations is too large by ${total - ANNOTATIONS_MAX_BYTES} bytes`,
        path: '/metadata/annotations',
        field: 'Metadata.Annotations (key)',
        value: `map[${keys.length} annotations]`,
      });
    }
  }
  const labels = meta.labels;
  if (labels) {
    for (const k of Object.keys(labels)) {
      const v = labels[k]!;
      const keyErrors = isQualifiedName(k);
      const valueErrors = isValidLabelValue(v);
      if (keyErrors.length === 0 && valueErrors.length === 0) continue;
      const path = `/metadata/labels/${escapePointerSegment(k)}`;
      for (const reason of keyErrors) {
        out.push({ code: 'LABEL_INVALID', severity: 'error', message: reason, path, field: 'Metadata.Labels (label)', value: k });
      }
      for (const reason of valueErrors) {
        out.push({ code: 'LABEL_INVALID', severity: 'error', message: reason, path, field: 'Metadata.Labels (value)', value: v });
      }
    }
  }
  return out;
}
