import { hostname } from 'node:os';

/**
 * felixNodeName is the node name Felix on this host uses to find its `node.<name>`
 * FelixConfiguration (felix/config/config_params.go FelixHostname, v3.31.7): the
 * FELIX_FELIXHOSTNAME environment variable (Felix reads FELIX_<param> in any case), else
 * NODENAME (calico-node's felix run script exports it as FELIX_FELIXHOSTNAME), else the
 * kernel's hostname in lower case, trimmed (libcalico-go names.Hostname).
 */
export function felixNodeName(env: Readonly<Record<string, string | undefined>>, host: () => string = hostname): string {
  for (const [k, v] of Object.entries(env)) if (k.toUpperCase() === 'FELIX_FELIXHOSTNAME' && v) return v;
  if (env.NODENAME) return env.NODENAME;
  return host().trim().toLowerCase();
}
