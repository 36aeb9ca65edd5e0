// Start `cumulus up` as a child process, the way a newcomer would, and wait for its ready line:
// the CLI tests then drive the cloud with the real `cumulus` binary only (src/bench/up-process.ts).
export { BIN, startUp, type Ready } from '../../bench/up-process.js';

/** Is the process with this pid still there? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
