/**
 * JSON Pointer (RFC 6901) segments, as diagnostics' `path` members use them:
 * "/metadata/labels/example.com~1zone" names the label "example.com/zone".
 */

/** escapePointerSegment escapes one segment: "~" becomes "~0", "/" becomes "~1". */
export function escapePointerSegment(s: string): string {
  return s.includes('~') || s.includes('/') ? s.replace(/~/g, '~0').replace(/\//g, '~1') : s;
}

/** unescapePointerSegment reverses escapePointerSegment. */
export function unescapePointerSegment(s: string): string {
  return s.includes('~') ? s.replace(/~1/g, '/').replace(/~0/g, '~') : s;
}
