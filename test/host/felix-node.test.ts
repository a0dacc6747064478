import { describe, expect, it } from 'vitest';
import { felixNodeName } from '../../src/host/felix-node.js';

// covers: src/host/felix-node.ts

describe('felixNodeName', () => {
  const host = () => ' Worker-1.Example \n';
  it('takes FELIX_FELIXHOSTNAME (any case), then NODENAME, then the hostname in lower case', () => {
    expect(felixNodeName({ FELIX_FELIXHOSTNAME: 'a', NODENAME: 'b' }, host)).toBe('a');
    expect(felixNodeName({ FELIX_FelixHostname: 'a2' }, host)).toBe('a2');
    expect(felixNodeName({ NODENAME: 'b' }, host)).toBe('b');
    expect(felixNodeName({}, host)).toBe('worker-1.example');
    expect(felixNodeName({ FELIX_FELIXHOSTNAME: '' }, host)).toBe('worker-1.example');
  });
});
