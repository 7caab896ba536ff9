import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where keytool reads the stores' password from. */
const STORE_PASSWORD_VARIABLE = 'TICKSTREAM_KEYTOOL_STORE_PASSWORD';

/** A broker's TLS material, made for one local run: its keystore, a truststore, and the CA clients trust. */
export interface LocalCertificates {
  /** PKCS12 keystore with the broker's key and its CA-signed certificate (SAN 127.0.0.1, localhost). */
  keystore: string;
  /** PKCS12 truststore holding the CA: the broker's own inter-broker client verifies its listener with it. */
  truststore: string;
  /** The password of both stores (random per run; the files never leave the run's folder). */
  storePassword: string;
  /** The CA certificate in PEM, what a client (kafkajs `ssl.ca`, Lambda's SERVER_ROOT_CA_CERTIFICATE) trusts. */
  caPem: string;
}

/**
 * Makes a private CA and a broker certificate signed by it with the JDK's keytool, in `dir`: the same shape of
 * trust as the in-stack broker (a private CA whose certificate the clients are given), valid for `days` days.
 */
export async function createLocalCertificates(params: {
  dir: string;
  days?: number;
}): Promise<LocalCertificates> {
  const { dir, days = 30 } = params;
  // Only this user may read the stores and their folder.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const storePassword = randomBytes(18).toString('base64url');
  const path = (name: string) => join(dir, name);
  // The password reaches keytool through its environment (`-storepass:env`), never its command line, which every
  // user of the machine can read in the process list.
  const keytool = (...args: string[]) =>
    run('keytool', [...args, '-storepass:env', STORE_PASSWORD_VARIABLE], {
      maxBuffer: 1024 * 1024,
      env: { ...process.env, [STORE_PASSWORD_VARIABLE]: storePassword },
    }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`keytool ${args[0]} failed: ${error.stderr || error.message}`);
    });
  const keypair = (alias: string, keystore: string, dname: string, ...extra: string[]) =>
    keytool(
      '-genkeypair',
      '-alias',
      alias,
      '-keyalg',
      'RSA',
      '-keysize',
      '2048',
      '-dname',
      dname,
      '-validity',
      String(days),
      '-keystore',
      keystore,
      '-storetype',
      'PKCS12',
      '-keypass:env',
      STORE_PASSWORD_VARIABLE,
      ...extra,
    );
  await keypair('ca', path('ca.p12'), 'CN=tickstream local CA', '-ext', 'bc:c');
  await keytool('-exportcert', '-alias', 'ca', '-rfc', '-keystore', path('ca.p12'), '-file', path('ca.pem'));
  await keypair('broker', path('broker.p12'), 'CN=localhost');
  await keytool('-certreq', '-alias', 'broker', '-keystore', path('broker.p12'), '-file', path('broker.csr'));
  await keytool(
    '-gencert',
    '-alias',
    'ca',
    '-keystore',
    path('ca.p12'),
    '-infile',
    path('broker.csr'),
    '-outfile',
    path('broker.pem'),
    '-rfc',
    '-validity',
    String(days),
    '-ext',
    'SAN=ip:127.0.0.1,dns:localhost',
  );
  for (const [alias, file] of [
    ['ca', 'ca.pem'],
    ['broker', 'broker.pem'],
  ] as const)
    await keytool(
      '-importcert',
      '-alias',
      alias,
      '-file',
      path(file),
      '-keystore',
      path('broker.p12'),
      '-noprompt',
    );
  await keytool(
    '-importcert',
    '-alias',
    'ca',
    '-file',
    path('ca.pem'),
    '-keystore',
    path('truststore.p12'),
    '-storetype',
    'PKCS12',
    '-noprompt',
  );
  return {
    keystore: path('broker.p12'),
    truststore: path('truststore.p12'),
    storePassword,
    caPem: readFileSync(path('ca.pem'), 'utf8'),
  };
}
