import { expect, it } from 'vitest';
import { kernelDescribe, TOPO, useTopology, type Flow } from '../../support/netns.js';

kernelDescribe('kernel test topology (no NAT programmed)', () => {
  const topo = useTopology('t');

  it('routes every pod address to every far-side target with its own source, TCP and UDP, v4 and v6', async () => {
    const flows: Flow[] = [];
    for (const fam of [TOPO.v4, TOPO.v6]) {
      for (const src of [fam.natPods[0], fam.plainPods[0]]) {
        for (const dst of fam.targets) for (const proto of ['tcp', 'udp'] as const) flows.push({ src, dst, proto });
      }
    }
    const seen = await topo().flows(flows);
    expect(seen).toEqual(flows.map((f) => f.src));
  });
});
