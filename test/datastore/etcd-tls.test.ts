import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '../../src/datastore/etcd-tls.js';
import { TEST_TLS } from '../support/etcd.js';
import { failure } from '../support/failure.js';

// The TLS material poolctl hands to gRPC, checked before anything is sent: every problem is a
// configuration error (CONFIG_INVALID, exit 2) that names the file and says what is wrong.

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'poolctl-tls-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const endpoints = ['https://127.0.0.1:2379'];
const files = { caCertFile: TEST_TLS.ca, certFile: TEST_TLS.clientCert, keyFile: TEST_TLS.clientKey };

describe('loadTlsMaterial', () => {
  it('none configured: none (plain connections)', async () => {
    expect(await loadTlsMaterial({ endpoints })).toBeUndefined();
  });

  it('files: the CA, the key and the certificate chain as read', async () => {
    expect(await loadTlsMaterial({ endpoints, ...files })).toEqual({
      rootCertificate: readFileSync(TEST_TLS.ca),
      privateKey: readFileSync(TEST_TLS.clientKey),
      certChain: readFileSync(TEST_TLS.clientCert),
    });
  });

  it('inline PEM from the config file, and Node\'s roots when no CA is given', async () => {
    const m = await loadTlsMaterial({ endpoints, cert: readFileSync(TEST_TLS.clientCert, 'utf8'), key: readFileSync(TEST_TLS.clientKey, 'utf8') });
    expect(m?.certChain?.toString()).toBe(readFileSync(TEST_TLS.clientCert, 'utf8'));
    expect(m?.rootCertificate.toString()).toContain('-----BEGIN CERTIFICATE-----');
    expect(m?.rootCertificate.equals(readFileSync(TEST_TLS.ca))).toBe(false);
  });

  it.each<[string, () => Parameters<typeof loadTlsMaterial>[0], string]>([
    ['inline and files mixed (Calico)', () => ({ endpoints, caCertFile: TEST_TLS.ca, cert: 'PEM' }), 'Cannot mix inline certificate-key and certificate / key files'],
    ['a certificate without its key', () => ({ endpoints, certFile: TEST_TLS.clientCert }), 'etcd TLS needs both a client certificate and its key (ETCD_CERT_FILE and ETCD_KEY_FILE)'],
    ['a key that is not the certificate\'s', () => ({ ...files, endpoints, keyFile: TEST_TLS.key }), `the etcd client key file ${TEST_TLS.key} is not the key of the certificate in etcd client certificate file ${TEST_TLS.clientCert}`],
    ['a CA file with no certificate', () => ({ ...files, endpoints, caCertFile: file('empty.pem', '\n') }), 'the etcd CA certificate file DIR/empty.pem holds no certificate (no PEM "BEGIN CERTIFICATE" block)'],
    ['a CA file holding a key', () => ({ ...files, endpoints, caCertFile: TEST_TLS.key }), `the etcd CA certificate file ${TEST_TLS.key} holds no certificate (no PEM "BEGIN CERTIFICATE" block)`],
    ['a damaged certificate block', () => ({ ...files, endpoints, caCertFile: file('bad.pem', '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n') }), 'the etcd CA certificate file DIR/bad.pem holds a certificate that cannot be read: '],
    ['a client certificate file with no certificate', () => ({ ...files, endpoints, certFile: TEST_TLS.clientKey }), `the etcd client certificate file ${TEST_TLS.clientKey} holds no certificate (no PEM "BEGIN CERTIFICATE" block)`],
    ['a key file with no key', () => ({ ...files, endpoints, keyFile: TEST_TLS.clientCert }), `the etcd client key file ${TEST_TLS.clientCert} holds no usable private key (no unencrypted PEM "PRIVATE KEY" block)`],
    ['an inline CA with no certificate', () => ({ endpoints, caCert: 'nothing' }), 'etcdCACert (inline in the config file) holds no certificate (no PEM "BEGIN CERTIFICATE" block)'],
    ['a file that does not exist', () => ({ ...files, endpoints, caCertFile: join(dir, 'nope.pem') }), 'cannot read the etcd CA certificate file DIR/nope.pem: no such file'],
  ])('%s: a configuration error naming it', async (_name, cfg, message) => {
    const want = message.replace('DIR', dir);
    const f = await failure(loadTlsMaterial(cfg()));
    expect(f).toMatchObject({ code: 'CONFIG_INVALID', exitCode: 2 });
    if (want.endsWith(': ')) expect(f.message.startsWith(want)).toBe(true);
    else expect(f.message).toBe(want);
  });
});
