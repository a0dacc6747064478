import { describe, expect, it } from 'vitest';
import { judgeFailure, parseEndpoint, redactUrl, type Judgement } from '../../src/datastore/etcd-members.js';

// Routing requests over etcd members: how a failed attempt is judged (sent or not, member
// down or cluster busy), and how endpoints are read and printed. Against a real etcd:
// etcd-members.etcd.test.ts.

const j = (notApplied: boolean, memberDown: boolean, transient = true, reauth = false): Judgement => ({ notApplied, memberDown, transient, reauth });

describe('judgeFailure', () => {
  it.each<[number | undefined, string, Judgement]>([
    // grpc-js: never on the wire
    [14, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: ', j(true, true)],
    [14, 'Name resolution failed for target dns:nowhere.invalid:2379', j(true, true)],
    [4, 'Deadline exceeded after 10.028s,name resolution: 0.156s,metadata filters: 0.043s,time to current attempt start: 0.043s,Waiting for LB pick', j(true, true)],
    [4, 'Deadline exceeded after 0.000s,waiting for name resolution', j(true, true)],
    // grpc-js: sent, and the answer lost
    [4, 'Deadline exceeded after 5.001s,LB pick: 0.001s,remote_addr=127.0.0.1:2379', j(false, true)],
    [14, 'Connection dropped', j(false, true)],
    [14, 'read ECONNRESET', j(false, true)],
    [13, 'Received RST_STREAM with code 2 triggered by internal client error: Protocol error', j(false, true)],
    [1, 'Call cancelled', j(false, true)],
    // etcd: refused before processing (no leader to take it), or busy after (it may still apply)
    [14, 'etcdserver: no leader', j(true, false)],
    [14, 'etcdserver: too many requests', j(true, false)],
    [14, 'etcdserver: leader changed', j(false, false)],
    [14, 'etcdserver: request timed out, possibly due to previous leader failure', j(false, false)],
    [14, 'etcdserver: request timed out', j(false, false)],
    [14, 'etcdserver: server stopped', j(false, false)],
    [16, 'etcdserver: invalid auth token', j(true, false, true, true)],
    // etcd: refused for good
    [3, 'etcdserver: authentication failed, invalid user ID or password', j(true, false, false)],
    [3, 'etcdserver: user name is empty', j(true, false, false)],
    [7, 'etcdserver: permission denied', j(true, false, false)],
    [3, 'etcdserver: too many operations in txn request', j(true, false, false)],
    [3, 'etcdserver: duplicate key given in txn request', j(true, false, false)],
    [8, 'Received message larger than max (4404019 vs 4194304)', j(true, false, false)],
    [11, 'etcdserver: mvcc: required revision has been compacted', j(true, false, false)],
  ])('%s %s', (code, details, want) => {
    expect(judgeFailure(code, details)).toEqual(want);
  });
});

describe('endpoints: what gRPC dials and what messages show', () => {
  it.each([
    ['http://127.0.0.1:2379', { target: '127.0.0.1:2379', display: 'http://127.0.0.1:2379', secure: false, userinfo: false }],
    ['https://etcd-1.example:2379/', { target: 'etcd-1.example:2379', display: 'https://etcd-1.example:2379/', secure: true, userinfo: false }],
    ['127.0.0.1:2379', { target: '127.0.0.1:2379', display: '127.0.0.1:2379', secure: false, userinfo: false }],
    ['http://calico:s3cret@10.0.0.1:2379', { target: '10.0.0.1:2379', display: 'http://calico:xxxxx@10.0.0.1:2379', secure: false, userinfo: true }],
    ['HTTPS://only-user@[fd00::1]:2379', { target: '[fd00::1]:2379', display: 'HTTPS://only-user@[fd00::1]:2379', secure: true, userinfo: true }],
    ['calico:p@ss:word@10.0.0.1:2379', { target: '10.0.0.1:2379', display: 'calico:xxxxx@10.0.0.1:2379', secure: false, userinfo: true }],
  ])('%s', (raw, want) => {
    expect(parseEndpoint(raw)).toEqual(want);
  });

  it('redactUrl masks the password only (Go url.URL.Redacted), and leaves other text alone', () => {
    expect(redactUrl('https://u:pw@h:1/x')).toBe('https://u:xxxxx@h:1/x');
    expect(redactUrl('https://h:1/a@b')).toBe('https://h:1/a@b');
    expect(redactUrl('no url here')).toBe('no url here');
  });
});
