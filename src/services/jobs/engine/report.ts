// A job's report: its status and all its inputs, outputs, errors and failures in one JSON document
// (up to MAX_REPORT_ITEMS of each kind). The keeper archives it in storage when the job ends, at
// /:user/jobs-reports/:id (paths.ts): the record the user reads and may delete, and that outlives
// the keeper's memory of the job.
import type { JobsApi } from './api.js';
import type { JobStatus, ResultKind } from './api-messages.js';
import type { Journal } from './journal.js';
import { jobDir } from './paths.js';

/** Items a report holds of each kind (a million-input job's report would be tens of MB). */
export const MAX_REPORT_ITEMS = 100_000;
/** Items read per page while a report is built. */
const PAGE_ITEMS = 1024;

export interface JobReport {
  job: JobStatus;
  directory: string;
  inputs: string[];
  outputs: string[];
  errors: unknown[];
  failures: string[];
}

/** The job's report as the keeper holds it now; `state` overrides the status's (the end about to be journaled). */
export function buildReport(api: JobsApi, journal: Journal, state?: JobStatus['state']): JobReport {
  const all = (kind: ResultKind): string[] => {
    const out: string[] = [];
    for (let from: number | undefined = 0; from !== undefined && out.length < MAX_REPORT_ITEMS; ) {
      const page = api.results(journal, { kind, from, limit: Math.min(PAGE_ITEMS, MAX_REPORT_ITEMS - out.length) });
      out.push(...page.items);
      from = page.next;
    }
    return out;
  };
  const status = api.status(journal);
  return {
    job: state === undefined ? status : { ...status, state },
    directory: jobDir(journal.state.user, journal.jobId),
    inputs: all('in'),
    outputs: all('out'),
    errors: all('err').map((e) => JSON.parse(e) as unknown),
    failures: all('fail'),
  };
}
