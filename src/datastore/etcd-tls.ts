import type { KeyObject, X509Certificate } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { PoolctlError } from '../base/errors.js';
import { formatByteLimit, MAX_INPUT_BYTES, readFileBounded, TOO_LARGE } from '../base/read-bounded.js';
import { configError } from './config.js';
import type { EtcdConfig } from './etcd-config.js';

// The TLS material poolctl presents to etcd, checked before anything is sent: a CA file
// without a certificate, or a key that does not belong to its certificate, is a mistake in
// the configuration (exit 2) with a message that says which, not a failed connection.

/** TlsMaterial is what the gRPC channel needs: the roots to trust and, for client certificates, the key and chain (PEM). */
export interface TlsMaterial {
  readonly rootCertificate: Buffer;
  readonly privateKey?: Buffer;
  readonly certChain?: Buffer;
}

/** PemSource is one piece of TLS material: its PEM text and how the user gave it (for messages). */
interface PemSource {
  readonly pem: Buffer;
  /** what names it, e.g. "the etcd CA certificate file /etc/calico/ca.pem" or "etcdCACert (inline in the config file)" */
  readonly what: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function tlsError(message: string): PoolctlError {
  return configError(message, 'check ETCD_CA_CERT_FILE, ETCD_CERT_FILE and ETCD_KEY_FILE (or etcdCACertFile, etcdCertFile, etcdKeyFile in the config file)');
}

/** Crypto is the part of node:crypto the checks use (loaded only when TLS is configured: it costs a few ms). */
type Crypto = Pick<typeof import('node:crypto'), 'X509Certificate' | 'createPrivateKey'>;

/** certificatesIn returns every certificate in a PEM text; a PEM block that does not parse is an error naming the source. */
function certificatesIn(crypto: Crypto, src: PemSource): X509Certificate[] {
  const blocks = src.pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  return blocks.map((b) => {
    try {
      return new crypto.X509Certificate(b);
    } catch (e) {
      throw tlsError(`${src.what} holds a certificate that cannot be read: ${(e as Error).message}`);
    }
  });
}

/** readPem reads a TLS file through the bounded reader (MAX_INPUT_BYTES): /dev/zero or a FIFO cannot exhaust memory. */
function readPem(path: string, what: string): PemSource {
  const source = `the etcd ${what} file ${path}`;
  let pem: Buffer | typeof TOO_LARGE;
  try {
    pem = readFileBounded({ openSync, fstatSync, readSync, closeSync }, path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw tlsError(`cannot read ${source}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
  }
  if (pem === TOO_LARGE) throw tlsError(`cannot read ${source}: it exceeds the size limit of ${formatByteLimit(MAX_INPUT_BYTES)}`);
  return { pem, what: source };
}

function inline(pem: string, field: string): PemSource {
  return { pem: Buffer.from(pem), what: `${field} (inline in the config file)` };
}

/**
 * loadTlsMaterial returns the TLS material a configuration names (files, or inline PEM from
 * the config file, never both: Calico's rule in libcalico-go/lib/backend/etcdv3/etcdv3.go), or
 * undefined when it names none (plain connections). It checks what Go's crypto/tls would
 * refuse when calicoctl builds its client: a CA source must hold a certificate, a client
 * certificate needs its key, and the key must belong to the certificate. Every problem is a
 * configuration error (exit 2). Without a CA of its own it trusts Node's bundled roots.
 */
export async function loadTlsMaterial(cfg: EtcdConfig): Promise<TlsMaterial | undefined> {
  const haveInline = Boolean(cfg.caCert || cfg.cert || cfg.key);
  const haveFiles = Boolean(cfg.caCertFile || cfg.certFile || cfg.keyFile);
  if (haveInline && haveFiles) throw tlsError('Cannot mix inline certificate-key and certificate / key files');
  if (!haveInline && !haveFiles) return undefined;
  const crypto: Crypto = await import('node:crypto');
  const ca = cfg.caCert ? inline(cfg.caCert, 'etcdCACert') : cfg.caCertFile ? readPem(cfg.caCertFile, 'CA certificate') : undefined;
  const cert = cfg.cert ? inline(cfg.cert, 'etcdCert') : cfg.certFile ? readPem(cfg.certFile, 'client certificate') : undefined;
  const key = cfg.key ? inline(cfg.key, 'etcdKey') : cfg.keyFile ? readPem(cfg.keyFile, 'client key') : undefined;
  if (Boolean(cert) !== Boolean(key)) {
    throw tlsError('etcd TLS needs both a client certificate and its key (ETCD_CERT_FILE and ETCD_KEY_FILE)');
  }
  if (ca && certificatesIn(crypto, ca).length === 0) throw tlsError(`${ca.what} holds no certificate (no PEM "BEGIN CERTIFICATE" block)`);
  if (cert && key) {
    const chain = certificatesIn(crypto, cert);
    if (chain.length === 0) throw tlsError(`${cert.what} holds no certificate (no PEM "BEGIN CERTIFICATE" block)`);
    let privateKey: KeyObject;
    try {
      privateKey = crypto.createPrivateKey(key.pem);
    } catch {
      throw tlsError(`${key.what} holds no usable private key (no unencrypted PEM "PRIVATE KEY" block)`);
    }
    if (!chain[0]!.checkPrivateKey(privateKey)) throw tlsError(`${key.what} is not the key of the certificate in ${cert.what.replace(/^the /, '')}`);
  }
  // Without a CA of its own, gRPC needs one: use Node's bundled roots.
  const rootCertificate = ca ? ca.pem : Buffer.from((await import('node:tls')).rootCertificates.join('\n'));
  return { rootCertificate, ...(key ? { privateKey: key.pem } : {}), ...(cert ? { certChain: cert.pem } : {}) };
}
