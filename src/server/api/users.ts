// Users and their bearer tokens, kept by the server in `<dataDir>/users.json`. Only the SHA-256 of
// a token is stored, so the file is not a list of passwords. A token reads `<user>.<secret>`: the
// user name in front lets the SDK and CLI know whose home `~` is without asking the server.
import { createHash, randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { CumulusError } from '../../core/errors.js';
import { checkUserName } from './paths.js';

/** At most this many users per store: the file is read whole, so it must stay small. */
export const MAX_USERS = 10_000;
/** Secret bytes per token (256 bits), written as base64url. */
export const TOKEN_SECRET_BYTES = 32;
/** Tokens longer than this are refused before hashing. */
export const MAX_TOKEN_CHARS = 128;

interface UserRecord {
  name: string;
  tokenSha256: string;
  createdMs: number;
}

interface UsersFile {
  version: 1;
  users: UserRecord[];
}

export interface UserStore {
  /** The user a bearer token belongs to, or undefined. */
  authenticate(token: string): Promise<string | undefined>;
  has(name: string): boolean;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The user name a token claims (its part before the dot), or undefined for a malformed token. */
export function tokenUser(token: string): string | undefined {
  const dot = token.indexOf('.');
  return dot > 0 ? token.slice(0, dot) : undefined;
}

export class FileUserStore implements UserStore {
  private byHash = new Map<string, string>();
  private names = new Set<string>();
  private records: UserRecord[] = [];
  private loadedMtimeMs = -1;

  private constructor(private readonly file: string) {}

  static async open(dataDir: string): Promise<FileUserStore> {
    await fsp.mkdir(dataDir, { recursive: true });
    const store = new FileUserStore(join(dataDir, 'users.json'));
    await store.reload();
    return store;
  }

  /** Re-read the file if it changed, so `cumulus user add` works while a server is running. */
  private async reload(): Promise<void> {
    const st = await fsp.stat(this.file).catch(() => undefined);
    if (!st) {
      this.set([]);
      return;
    }
    if (st.mtimeMs === this.loadedMtimeMs) return;
    const parsed = JSON.parse(await fsp.readFile(this.file, 'utf8')) as UsersFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.users)) {
      throw new CumulusError('INTERNAL', `${this.file} is not a Cumulus users file`);
    }
    this.set(parsed.users);
    this.loadedMtimeMs = st.mtimeMs;
  }

  private set(records: UserRecord[]): void {
    this.records = records;
    this.byHash = new Map(records.map((r) => [r.tokenSha256, r.name]));
    this.names = new Set(records.map((r) => r.name));
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  list(): string[] {
    return this.records.map((r) => r.name);
  }

  async authenticate(token: string): Promise<string | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS) return undefined;
    const hash = sha256Hex(token);
    let name = this.byHash.get(hash);
    if (name === undefined) {
      await this.reload();
      name = this.byHash.get(hash);
    }
    return name !== undefined && tokenUser(token) === name ? name : undefined;
  }

  /** Create a user and return its token. The token is not kept: this is the only time it is seen. */
  async add(name: string, nowMs: number): Promise<string> {
    checkUserName(name);
    await this.reload();
    if (this.names.has(name)) throw new CumulusError('ALREADY_EXISTS', `user ${name} already exists`);
    if (this.records.length >= MAX_USERS) throw new CumulusError('OVER_QUOTA', `this server holds at most ${MAX_USERS} users`);
    const token = `${name}.${randomBytes(TOKEN_SECRET_BYTES).toString('base64url')}`;
    await this.write([...this.records, { name, tokenSha256: sha256Hex(token), createdMs: nowMs }]);
    return token;
  }

  /** Remove a user (its files stay; an operator removes them on purpose). */
  async remove(name: string): Promise<void> {
    await this.reload();
    if (!this.names.has(name)) throw new CumulusError('NOT_FOUND', `user ${name} not found`);
    await this.write(this.records.filter((r) => r.name !== name));
  }

  private async write(records: UserRecord[]): Promise<void> {
    const body: UsersFile = { version: 1, users: records };
    const tmp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify(body, null, 2), { mode: 0o600 });
    await fsp.rename(tmp, this.file);
    this.set(records);
    this.loadedMtimeMs = (await fsp.stat(this.file)).mtimeMs;
  }
}
