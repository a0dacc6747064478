/**
 * DiagnosticCode is the stable code of a finding (spec/ippool.md §5), plus the loader's own.
 * Codes are SCREAMING_SNAKE string literals; never renamed once released.
 */
export type DiagnosticCode =
  // input and syntax
  | 'YAML_SYNTAX'
  | 'JSON_SYNTAX'
  | 'INPUT_INVALID'
  | 'INPUT_TOO_LARGE'
  | 'FILE_UNREADABLE'
  | 'FILE_SKIPPED'
  | 'NO_RESOURCES'
  | 'KIND_UNKNOWN'
  | 'KIND_NOT_HANDLED'
  | 'KIND_SKIPPED'
  | 'YAML11_SCALAR'
  | 'DUPLICATE_KEY'
  | 'TOO_MANY_PROBLEMS'
  | 'FIELD_UNKNOWN'
  | 'FIELD_REQUIRED'
  | 'TYPE_MISMATCH'
  // metadata
  | 'NAMESPACE_SET'
  | 'NAME_INVALID'
  | 'LABEL_INVALID'
  | 'ANNOTATION_INVALID'
  | 'RESOURCE_VERSION_SET'
  // Calico's IPPool rules
  | 'CIDR_REQUIRED'
  | 'CIDR_INVALID'
  | 'CIDR_NOT_MASKED'
  | 'CIDR_LINK_LOCAL'
  | 'BLOCK_SIZE_RANGE'
  | 'POOL_TOO_SMALL'
  | 'ENUM_INVALID'
  | 'ENCAP_CONFLICT'
  | 'IPIP_V6'
  | 'ALLOWED_USES'
  | 'LB_RULE'
  | 'SELECTOR_INVALID'
  | 'NS_SELECTOR_TUNNEL'
  | 'DEPRECATED_FIELD'
  | 'POOL_OVERLAP'
  | 'DUPLICATE_NAME'
  | 'ALREADY_EXISTS'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IMMUTABLE_FIELD'
  | 'BLOCK_SIZE_CONFLICT'
  | 'DISABLED_NAT_POOL'
  // poolctl patch and label: what cannot be done to the stored resource
  | 'PATCH_FAILED'
  | 'LABEL_CONFLICT'
  // delete: Calico IPAM still uses the pool
  | 'POOL_IN_USE'
  // FelixConfiguration (validator tags and validateFelixConfigSpec)
  | 'FIELD_INVALID';

/** Severity says whether a diagnostic fails the resource (error) or only informs (warning; info for a skipped document of another kind). */
export type Severity = 'error' | 'warning' | 'info';

/**
 * Diagnostic is one finding, as data. Core rules fill code, severity, message (Calico's text
 * verbatim) and path (a JSON pointer into the resource); the manifest layer adds where the
 * resource came from and the line and column of the offending node.
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** path is a JSON pointer (RFC 6901) into the resource, e.g. "/spec/cidr". */
  readonly path?: string;
  /**
   * field and value are Calico's names for the failing field and its value
   * ("IPPool.Spec.CIDR", "10.0.0.0/16"), so a failure can be printed as Calico's
   * errors.go does: "error with field IPPool.Spec.CIDR = '10.0.0.0/16' (<message>)".
   */
  readonly field?: string;
  readonly value?: string;
  /** hint clarifies a misleading upstream text; it never replaces it. */
  readonly hint?: string;
  /** detail is a second wording of the same problem (calicoctl validate's, where it words a rule otherwise). */
  readonly detail?: string;
  readonly file?: string;
  /** document is the 1-based index of the YAML document in its file. */
  readonly document?: number;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
}
