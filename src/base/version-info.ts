declare const __POOLCTL_VERSION__: string;

/** VERSION is poolctl's version, injected at build time from package.json. */
export const VERSION: string = typeof __POOLCTL_VERSION__ === 'string' ? __POOLCTL_VERSION__ : '0.0.0-dev';

/** CALICO_TARGET is the Calico release line whose semantics poolctl follows (spec/ippool.md §1). */
export const CALICO_TARGET = 'v3.31';

/** versionText is the text of `poolctl version` and `poolctl --version`. */
export function versionText(): string {
  return `poolctl version ${VERSION} (Calico ${CALICO_TARGET} semantics, node ${process.versions.node})\n`;
}
