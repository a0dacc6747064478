/**
 * FC_RUNS is how many cases a fast-check property runs when it states no count: the
 * POOLCTL_FC_RUNS environment variable, else 100 (fast-check's default) with CI=true and
 * 25 otherwise, so that local runs are quick and CI can run more. test/support/fast-check.ts
 * (a vitest setup file) sets it for every test file.
 */
export const FC_RUNS = readRuns(process.env.POOLCTL_FC_RUNS, process.env.CI === 'true');

function readRuns(value: string | undefined, ci: boolean): number {
  if (value === undefined || value === '') return ci ? 100 : 25;
  // At least 10: some properties check the share of their cases that reached the code under test.
  if (!/^[0-9]+$/.test(value) || Number(value) < 10) throw new Error(`POOLCTL_FC_RUNS must be a whole number of at least 10, not "${value}"`);
  return Number(value);
}

/**
 * fcRuns is the run count of a property that states one: n is its count at FC_RUNS = 100
 * (CI's count without POOLCTL_FC_RUNS), scaled to FC_RUNS, at least 1.
 */
export function fcRuns(n: number): number {
  return Math.max(1, Math.round((n * FC_RUNS) / 100));
}
