// `cumulus user add NAME [--data DIR]`: create a user in a server's data directory (the same
// `--data` that `cumulus serve` and `cumulus up` take; users live in DIR/users) and print, once,
// its bearer token for the REST API and the CLI and its access key for the S3 door. The server
// keeps only the token's hash, so a lost token means a new user (or `cumulus user rm` and add again).
import { join } from 'node:path';
import type { Command } from 'commander';
import { FileUserStore } from '../../server/api/users.js';
import { FileAccessKeyStore } from '../../server/s3/keys.js';
import type { Io } from '../io.js';
import { DEFAULT_DATA_DIR } from '../defaults.js';

type Action = (io: Io, name: string, fn: (...args: never[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

/** Where a server with data directory `dataDir` keeps its users (server/cloud.ts reads the same). */
export function usersDir(dataDir: string): string {
  return join(dataDir, 'users');
}

export function registerUser(program: Command, io: Io, action: Action): void {
  const user = program.command('user').description('manage the users of a server (run where the server keeps its data)');
  const dataOpt = '--data <dir>';
  const dataHelp = `the server's data directory, as given to cumulus serve or up (default: $CUMULUS_DATA or ${DEFAULT_DATA_DIR})`;
  const dirOf = (o: { data?: string }) => usersDir(o.data ?? io.env.CUMULUS_DATA ?? DEFAULT_DATA_DIR);
  user.command('add <name>').description('create a user and print its token and S3 access key (shown once)')
    .option(dataOpt, dataHelp).option('--json', 'print {"user","token","accessKeyId","secretAccessKey"}')
    .action(action(io, 'user add', async (name: string, o: { data?: string; json?: boolean }) => {
      const store = await FileUserStore.open(dirOf(o));
      const token = await store.add(name, Date.now());
      const key = await (await FileAccessKeyStore.open(dirOf(o))).add(name, Date.now());
      if (o.json) {
        io.stdout.write(JSON.stringify({ user: name, token, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }) + '\n');
        return;
      }
      io.stdout.write(`${token}\n`);
      io.stderr.write([
        `user ${name} created; keep the token above: it is not stored and will not be shown again`,
        `S3 access key for ${name} (Signature V4, any region, path-style at <server>/s3):`,
        `  AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
        `  AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
        '',
      ].join('\n'));
    }));
  user.command('rm <name>').description('remove a user and its access keys (its files stay)')
    .option(dataOpt, dataHelp)
    .action(action(io, 'user rm', async (name: string, o: { data?: string }) => {
      const store = await FileUserStore.open(dirOf(o));
      await store.remove(name);
      await (await FileAccessKeyStore.open(dirOf(o))).removeUser(name);
    }));
  user.command('ls').description('list user names')
    .option(dataOpt, dataHelp)
    .action(action(io, 'user ls', async (o: { data?: string }) => {
      const store = await FileUserStore.open(dirOf(o));
      for (const n of store.list()) io.stdout.write(n + '\n');
    }));
}
