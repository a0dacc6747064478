import { section } from './harness.js';

/** run: placeholder until the issue that delivers this benchmark lands. */
export async function run(): Promise<void> {
  section('(not yet implemented)');
}
