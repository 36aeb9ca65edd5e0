// Defaults the cumulus commands share, each defined once: where a server listens, where a client
// and a volunteer find it, where a server keeps its data.
import { DEFAULT_HOST } from '../server/app.js';

/** TCP port of `cumulus serve` and `cumulus up` when --port is not given: a common unprivileged HTTP port. */
export const DEFAULT_PORT = 8080;
/** The server's address when neither --url/--server nor CUMULUS_URL is given: this machine's `cumulus serve` or `cumulus up`. */
export const DEFAULT_URL = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
/** Where a server keeps its data (users, files, its peer's identity) when neither --data nor CUMULUS_DATA says otherwise. */
export const DEFAULT_DATA_DIR = '.cumulus';
/** Storage a machine lends by default: a gibibyte is little on a disk and holds thousands of 256 KiB chunks. */
export const VOLUNTEER_QUOTA_MIB = { type: 'number', default: 1024, min: 0, unit: 'MiB', description: 'storage lent to the cloud (chunks held for others)' } as const;
/** Sandboxes (worker threads) a volunteer runs js and wasm tasks in at once, whatever its cores. */
export const VOLUNTEER_WORKERS = { type: 'integer', min: 1, max: 64, unit: 'workers', description: 'js and wasm tasks run at once, in worker threads' } as const;
/** Share of each 10 s period during which a volunteer takes new tasks, as on the volunteer page. */
export const VOLUNTEER_CPU_DUTY_PCT = { type: 'integer', default: 100, min: 10, max: 100, unit: '%', description: 'share of each 10 s period during which new tasks are taken' } as const;
