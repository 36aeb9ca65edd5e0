// Per-user S3 access keys, kept by the server in `<usersDir>/s3-keys.json` beside users.json.
// Unlike a bearer token, a Signature V4 secret cannot be kept as a hash: the server must compute
// the same HMAC the client did, so the file holds the secrets themselves and is written 0600.
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { CumulusError } from '../../core/errors.js';
import { MAX_USERS } from '../api/users.js';

/** Access key ids read like AWS's: 20 upper-case letters and digits, ours start with CK. */
export const ACCESS_KEY_ID_PATTERN = /^CK[A-Z2-7]{18}$/;
/** Secret bytes per key (240 bits), written as 40 base64url characters. */
const SECRET_BYTES = 30;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface AccessKey {
  user: string;
  accessKeyId: string;
  secretAccessKey: string;
  createdMs: number;
}

interface KeysFile {
  version: 1;
  keys: AccessKey[];
}

/** What the S3 door asks: whose key this is and its secret. */
export interface AccessKeyLookup {
  lookup(accessKeyId: string): Promise<AccessKey | undefined>;
}

export class FileAccessKeyStore implements AccessKeyLookup {
  private byId = new Map<string, AccessKey>();
  private loadedMtimeMs = -1;

  private constructor(private readonly file: string) {}

  /** `usersDir` is the directory of users.json (`<data>/users`). */
  static async open(usersDir: string): Promise<FileAccessKeyStore> {
    await fsp.mkdir(usersDir, { recursive: true });
    const store = new FileAccessKeyStore(join(usersDir, 's3-keys.json'));
    await store.reload();
    return store;
  }

  /** Re-read the file if it changed, so keys made by `cumulus user add` work on a running server. */
  private async reload(): Promise<void> {
    const st = await fsp.stat(this.file).catch(() => undefined);
    if (!st) {
      this.byId = new Map();
      return;
    }
    if (st.mtimeMs === this.loadedMtimeMs) return;
    const parsed = JSON.parse(await fsp.readFile(this.file, 'utf8')) as KeysFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new CumulusError('INTERNAL', `${this.file} is not a Cumulus access-key file`);
    this.byId = new Map(parsed.keys.map((k) => [k.accessKeyId, k]));
    this.loadedMtimeMs = st.mtimeMs;
  }

  async lookup(accessKeyId: string): Promise<AccessKey | undefined> {
    if (!ACCESS_KEY_ID_PATTERN.test(accessKeyId)) return undefined;
    const known = this.byId.get(accessKeyId);
    if (known) return known;
    await this.reload();
    return this.byId.get(accessKeyId);
  }

  /** The users that hold a key (the ones who may have multipart uploads open). */
  async users(): Promise<string[]> {
    await this.reload();
    return [...new Set([...this.byId.values()].map((k) => k.user))];
  }

  /** Make a key for `user` and return it; the secret is shown to the operator once, by the CLI. */
  async add(user: string, nowMs: number): Promise<AccessKey> {
    await this.reload();
    if (this.byId.size >= MAX_USERS) throw new CumulusError('OVER_QUOTA', `this server holds at most ${MAX_USERS} access keys`);
    const idBytes = randomBytes(18);
    const accessKeyId = 'CK' + Array.from(idBytes, (b) => BASE32[b % 32]).join('');
    const key: AccessKey = { user, accessKeyId, secretAccessKey: randomBytes(SECRET_BYTES).toString('base64url'), createdMs: nowMs };
    await this.write([...this.byId.values(), key]);
    return key;
  }

  /** Drop every key of `user` (with `cumulus user rm`). */
  async removeUser(user: string): Promise<void> {
    await this.reload();
    await this.write([...this.byId.values()].filter((k) => k.user !== user));
  }

  private async write(keys: AccessKey[]): Promise<void> {
    const body: KeysFile = { version: 1, keys };
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify(body, null, 2), { mode: 0o600 });
    await fsp.rename(tmp, this.file);
    this.byId = new Map(keys.map((k) => [k.accessKeyId, k]));
    this.loadedMtimeMs = (await fsp.stat(this.file)).mtimeMs;
  }
}
