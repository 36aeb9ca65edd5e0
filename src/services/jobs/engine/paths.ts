// Where a job's objects live in storage: everything of job J of user U is under /U/jobs/J/, the
// task outputs under its stor/ directory, one directory per phase. A task's output is named by
// (phase, index, attempt), so two attempts never write the same object and the journal's committed
// entry says which one is the task's; a map task whose next phase is a reduce of several reducers
// writes one object per partition.

/** The directory of a job: its index entry for listing, and the parent of its outputs. */
export function jobDir(user: string, jobId: string): string {
  return `/${user}/jobs/${jobId}`;
}

/** Where the system archives a job's report when the job ends (the seed's /:user/jobs-reports/, which the user reads and deletes). */
export function reportsDir(user: string): string {
  return `/${user}/jobs-reports`;
}

export function reportPath(user: string, jobId: string): string {
  return `${reportsDir(user)}/${jobId}`;
}

/** The directory the outputs of one phase go to. */
export function phaseDir(user: string, jobId: string, phase: number): string {
  return `${jobDir(user, jobId)}/stor/p${phase}`;
}

/** One attempt's output object, or its share of one partition of the next phase's input. */
export function outputPath(user: string, jobId: string, phase: number, index: number, attempt: number, partition?: number): string {
  return `${phaseDir(user, jobId, phase)}/t${index}.${attempt}${partition === undefined ? '' : `.r${partition}`}`;
}

/** The key of a line for the shuffle: the text before the first tab, or the whole line. */
export function lineKey(line: Uint8Array): Uint8Array {
  const tab = line.indexOf(9);
  return tab < 0 ? line : line.subarray(0, tab);
}

/** The partition (0 … count-1) a key belongs to: FNV-1a over its bytes, so every peer agrees. */
export function partitionOf(key: Uint8Array, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i]!, 0x01000193) >>> 0;
  return h % count;
}
