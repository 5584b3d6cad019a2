import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { Logger } from '../logger';

const VERSION = 'v1';

/**
 * Encrypts secrets at rest with AES-256-GCM under a key-encryption key. The `context` of each
 * secret is bound as additional data, so a ciphertext copied to another row does not decrypt.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Creates a box from a 32-byte key. */
  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32) throw new TypeError('"key" must be 32 bytes');
    return new SecretBox(key);
  }

  /**
   * Loads the key-encryption key from `base64Key` or else from `<dataDir>/key-encryption.key`,
   * generating that file (mode 0600) at first start.
   */
  static load(options: { base64Key?: string; dataDir: string; logger: Logger }): SecretBox {
    if (options.base64Key) return SecretBox.fromKey(Buffer.from(options.base64Key, 'base64'));

    const file = path.join(options.dataDir, 'key-encryption.key');
    fs.mkdirSync(options.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
      options.logger.info({ file }, 'generated a key-encryption key');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    return SecretBox.fromKey(Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64'));
  }

  /** Encrypts `plaintext` bound to `context`. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);

    return [VERSION, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /**
   * Decrypts a value made by {@link seal} with the same `context`.
   *
   * @throws {Error} when the value was changed, or was sealed with another key or context.
   */
  open(sealed: string, context: string): string {
    const [version, iv, ciphertext, tag] = sealed.split('.');
    if (version !== VERSION || !iv || !ciphertext || !tag) {
      throw new Error('The sealed value has an unknown format.');
    }

    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}
