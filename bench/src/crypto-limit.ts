import { randomUUID } from 'node:crypto';

import { generateKeyPair, jwtVerify, SignJWT } from 'jose';

/** Operations per second of plain jose, one operation after another. */
export interface CryptoLimit {
  algorithm: string;
  signPerSecond: number;
  verifyPerSecond: number;
  /** Exchanges per second if each did nothing but one verification and one signature. */
  exchangeCeiling: number;
}

/**
 * Signs and verifies a JWT shaped like a master token with jose, each for `durationMs`, in this
 * process. WebCrypto runs each operation on the libuv thread pool, so concurrent callers on more
 * than one core can exceed these rates.
 */
export async function measureCryptoLimit(
  algorithm: string,
  durationMs: number,
): Promise<CryptoLimit> {
  const { privateKey, publicKey } = await generateKeyPair(algorithm);
  const issuer = 'jfac@01JBENCHMARKSERVICE0000000';
  const sign = () =>
    new SignJWT({ scp: 'system:info:r service-trust:pairing:w' })
      .setProtectedHeader({ alg: algorithm, typ: 'at+jwt', kid: 'bench' })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setSubject(`${issuer}/services/jfmc@bench`)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1y')
      .sign(privateKey);

  const signPerSecond = await rate(durationMs, sign);
  const token = await sign();
  const verifyPerSecond = await rate(durationMs, () =>
    jwtVerify(token, publicKey, {
      algorithms: [algorithm],
      issuer,
      audience: issuer,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'jti', 'sub'],
    }),
  );

  return {
    algorithm,
    signPerSecond,
    verifyPerSecond,
    exchangeCeiling: 1 / (1 / signPerSecond + 1 / verifyPerSecond),
  };
}

async function rate(durationMs: number, operation: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await operation();
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    await operation();
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}
