// PKCS#12 bundles (certificate + private key) for clients that import one file, e.g. browsers.
// PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256, MAC with HMAC-SHA256: modern OpenSSL opens these
// without -legacy, and nothing in them relies on RC2/3DES/SHA-1.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { randomBytes } from 'node:crypto';
import { webcrypto } from './provider.js';

const engine = new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto: webcrypto as unknown as pkijs.CryptoEngineParameters['crypto'] });
pkijs.setEngine('node-webcrypto', engine);

const ITERATIONS = 100_000;

function toArrayBuffer(data: Buffer | string): ArrayBuffer {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function attributes(friendlyName: string, localKeyId: ArrayBuffer): pkijs.Attribute[] {
  return [
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.20', values: [new asn1js.BmpString({ value: friendlyName })] }),
    new pkijs.Attribute({ type: '1.2.840.113549.1.9.21', values: [new asn1js.OctetString({ valueHex: localKeyId })] }),
  ];
}

/** Builds a password-protected PKCS#12 from a DER certificate and a PKCS#8 DER private key. */
export async function buildPkcs12(certificateDer: Buffer, pkcs8Der: Buffer, password: string, friendlyName: string): Promise<Buffer> {
  const certificate = pkijs.Certificate.fromBER(toArrayBuffer(certificateDer));
  const privateKey = pkijs.PrivateKeyInfo.fromBER(toArrayBuffer(pkcs8Der));
  const passwordBuffer = toArrayBuffer(password);
  const localKeyId = toArrayBuffer(randomBytes(8));
  const encryption = { password: passwordBuffer, contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 }, hmacHashAlgorithm: 'SHA-256', iterationCount: ITERATIONS };

  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            {
              privacyMode: 0,
              value: new pkijs.SafeContents({
                safeBags: [new pkijs.SafeBag({ bagId: '1.2.840.113549.1.12.10.1.2', bagValue: new pkijs.PKCS8ShroudedKeyBag({ parsedValue: privateKey }), bagAttributes: attributes(friendlyName, localKeyId) })],
              }),
            },
            {
              privacyMode: 1,
              value: new pkijs.SafeContents({
                safeBags: [new pkijs.SafeBag({ bagId: '1.2.840.113549.1.12.10.1.3', bagValue: new pkijs.CertBag({ parsedValue: certificate }), bagAttributes: attributes(friendlyName, localKeyId) })],
              }),
            },
          ],
        },
      }),
    },
  });
  const safe = pfx.parsedValue?.authenticatedSafe as pkijs.AuthenticatedSafe;
  const keyBag = safe.parsedValue.safeContents[0].value.safeBags[0].bagValue as pkijs.PKCS8ShroudedKeyBag;
  await keyBag.makeInternalValues(encryption);
  await safe.makeInternalValues({ safeContents: [{}, encryption] });
  await pfx.makeInternalValues({ password: passwordBuffer, iterations: ITERATIONS, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' });
  return Buffer.from(pfx.toSchema().toBER(false));
}
