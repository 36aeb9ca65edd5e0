// `cumulus user add NAME [--data DIR]`: create a user on this machine's server data directory and
// print its token once. The server keeps only the token's hash, so a lost token means a new user
// (or `cumulus user rm` and add again).
import type { Command } from 'commander';
import { FileUserStore } from '../../server/api/users.js';
import type { Io } from '../io.js';
import { DEFAULT_DATA_DIR } from '../defaults.js';


type Action = (io: Io, name: string, fn: (...args: never[]) => Promise<void>) => (...args: unknown[]) => Promise<void>;

export function registerUser(program: Command, io: Io, action: Action): void {
  const user = program.command('user').description('manage the users of a server (run where the server keeps its data)');
  const dataOpt = '--data <dir>';
  const dataHelp = `server data directory (default: $CUMULUS_DATA or ${DEFAULT_DATA_DIR})`;
  user.command('add <name>').description('create a user and print its token (shown once)')
    .option(dataOpt, dataHelp).option('--json', 'print {"user","token"}')
    .action(action(io, 'user add', async (name: string, o: { data?: string; json?: boolean }) => {
      const store = await FileUserStore.open(o.data ?? io.env.CUMULUS_DATA ?? DEFAULT_DATA_DIR);
      const token = await store.add(name, Date.now());
      io.stdout.write(o.json ? JSON.stringify({ user: name, token }) + '\n' : token + '\n');
      if (!o.json) io.stderr.write(`user ${name} created; keep the token above: it is not stored and will not be shown again\n`);
    }));
  user.command('rm <name>').description('remove a user (its files stay)')
    .option(dataOpt, dataHelp)
    .action(action(io, 'user rm', async (name: string, o: { data?: string }) => {
      const store = await FileUserStore.open(o.data ?? io.env.CUMULUS_DATA ?? DEFAULT_DATA_DIR);
      await store.remove(name);
    }));
  user.command('ls').description('list user names')
    .option(dataOpt, dataHelp)
    .action(action(io, 'user ls', async (o: { data?: string }) => {
      const store = await FileUserStore.open(o.data ?? io.env.CUMULUS_DATA ?? DEFAULT_DATA_DIR);
      for (const n of store.list()) io.stdout.write(n + '\n');
    }));
}
