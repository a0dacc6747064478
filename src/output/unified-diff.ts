/** DiffSide is one side of a unified diff: its label and its text. */
export interface DiffSide {
  readonly label: string;
  readonly text: string;
}

/**
 * formatUnifiedDiff prints the unified diff (`diff -u`, 3 lines of context) between two
 * texts with `---`/`+++` labels, or '' when they are equal. An empty side is a file that
 * does not exist (`@@ -0,0 +1,N @@`). The `diff` package (jsdiff) finds the hunks; it is
 * loaded only here.
 */
export async function formatUnifiedDiff(before: DiffSide, after: DiffSide): Promise<string> {
  if (before.text === after.text) return '';
  const { structuredPatch } = await import('diff');
  const patch = structuredPatch(before.label, after.label, before.text, after.text, '', '', { context: 3 });
  let out = `--- ${before.label}\n+++ ${after.label}\n`;
  for (const h of patch.hunks) {
    const oldStart = h.oldLines === 0 ? h.oldStart - 1 : h.oldStart;
    const newStart = h.newLines === 0 ? h.newStart - 1 : h.newStart;
    out += `@@ -${oldStart},${h.oldLines} +${newStart},${h.newLines} @@\n`;
    for (const line of h.lines) out += `${line}\n`;
  }
  return out;
}
