import crypto from 'node:crypto';

import { hashPassword, verifyPassword } from './passwords';

describe('password hashes', () => {
  it('use scrypt with at least 32 MiB of memory', async () => {
    const [scheme, n, r, p, salt, hash] = (await hashPassword('correct horse')).split('$');

    expect(scheme).toBe('scrypt');
    // scrypt needs 128 * N * r bytes.
    expect(128 * Number(n) * Number(r)).toBeGreaterThanOrEqual(32 * 1024 * 1024);
    expect(Number(p)).toBeGreaterThanOrEqual(1);
    expect(Buffer.from(salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(hash, 'base64')).toHaveLength(32);
  });

  it('use a new salt each time', async () => {
    const [first, second] = await Promise.all([hashPassword('same'), hashPassword('same')]);

    expect(first).not.toBe(second);
  });

  it('accept the password and reject another', async () => {
    const stored = await hashPassword('correct horse');

    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsf', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('are compared in constant time', async () => {
    const stored = await hashPassword('correct horse');
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      await verifyPassword('wrong horse', stored);

      expect(compare).toHaveBeenCalledTimes(1);
    } finally {
      compare.mockRestore();
    }
  });

  it.each(['', 'plain-text-password', 'bcrypt$10$abc$def', 'scrypt$16384$8$1$$'])(
    'reject the stored value %p',
    async (stored) => {
      expect(await verifyPassword('plain-text-password', stored)).toBe(false);
    },
  );
});
