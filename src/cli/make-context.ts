import type { Context } from '../base/context.js';
import { usageError } from '../base/errors.js';

/** BaseContext is what main knows before the command line is parsed. */
export type BaseContext = Omit<Context, 'global' | 'color'>;

/** GlobalArgs are the parsed global options (cli/global-options.ts). */
interface GlobalArgs {
  config?: unknown;
  store?: unknown;
  color?: unknown;
  context?: unknown;
  namespace?: unknown;
  allNamespaces?: unknown;
}

/**
 * makeContext adds the parsed global options. Colour is off with --no-color, with NO_COLOR
 * set, or when stdout is not a TTY. Of calicoctl's global flags, -n/--namespace and
 * -A/--all-namespaces fail with calicoctl's words (commands/common/resources.go
 * handleNamespace: "<Kind> is not namespaced"), and --context prints a warning that it has
 * no effect.
 */
export function makeContext(base: BaseContext, g: GlobalArgs): Context {
  if ((typeof g.namespace === 'string' && g.namespace !== '') || g.allNamespaces === true) {
    throw usageError('IPPool is not namespaced', 'IPPools are cluster-wide: leave out -n/--namespace and -A/--all-namespaces');
  }
  if (typeof g.context === 'string') {
    base.io.stderr.write(`warning: --context ${g.context} has no effect: poolctl does not read kubeconfig (the Kubernetes datastore is not supported)\n`);
  }
  const color = g.color !== false && !base.env.NO_COLOR && base.io.stdoutIsTTY;
  return {
    ...base,
    color,
    global: {
      color,
      ...(typeof g.config === 'string' ? { config: g.config } : {}),
      ...(typeof g.store === 'string' ? { store: g.store } : {}),
    },
  };
}
