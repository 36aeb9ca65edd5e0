// Run `cumulus <args>` in-process against a gateway, as a child process would see it: stdin bytes
// in, captured stdout and stderr and an exit code out. The file-command tests share it.
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { registerFiles } from '../commands/files.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  url: string;
  /** The token given as CUMULUS_TOKEN; null runs without one. */
  token: string | null;
}

export async function runCli(target: CliTarget, args: string[], stdin?: string | Buffer): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  let code = 0;
  const io = {
    stdin: Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]),
    stdout, stderr,
    env: { CUMULUS_URL: target.url, ...(target.token ? { CUMULUS_TOKEN: target.token } : {}) },
    setExitCode: (c: number) => { code = c; },
  };
  const program = new Command().exitOverride().configureOutput({ writeOut: (s) => stdout.write(s), writeErr: (s) => stderr.write(s) });
  registerFiles(program, io);
  try {
    await program.parseAsync(['node', 'cumulus', ...args]);
  } catch (e) {
    code = (e as { exitCode?: number }).exitCode ?? 1;
  }
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}
