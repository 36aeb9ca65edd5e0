// The jobs the dashboard follows: those submitted through this gateway (seen as the 201 answers of
// POST/PUT /:user/jobs, whose Location names the job), their status asked of the job's keeper by
// the server's own peer, at most one round in flight and a bounded number of jobs.
import type { FastifyInstance } from 'fastify';
import type { JobsClient } from '../services/jobs/engine/client.js';
import type { JobProgress } from '../host/dashboard-snapshot.js';

/** Jobs followed at most: the newest. */
export const MAX_WATCHED_JOBS = 16;

const JOB_LOCATION = /^\/([^/]+)\/jobs\/([^/?]+)$/;

export class JobWatch {
  private readonly jobs = new Map<string, JobProgress>();
  private busy = false;

  constructor(private readonly client: () => JobsClient | null) {}

  /** Follow the jobs created through this server's REST gateway. */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      if ((req.method !== 'POST' && req.method !== 'PUT') || reply.statusCode !== 201) return;
      const m = JOB_LOCATION.exec(String(reply.getHeader('location') ?? ''));
      if (m) this.follow(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    });
  }

  follow(user: string, id: string): void {
    if (this.jobs.size >= MAX_WATCHED_JOBS) this.jobs.delete(this.jobs.keys().next().value!);
    this.jobs.set(id, { id, user, state: 'running', done: 0, tasks: 0, running: 0 });
  }

  progress(): JobProgress[] {
    return [...this.jobs.values()];
  }

  /** Ask for the status of the running jobs, unless the last round is still out. */
  refresh(): void {
    const c = this.client();
    if (c === null || this.busy) return;
    const running = [...this.jobs.values()].filter((j) => j.state === 'running');
    if (running.length === 0) return;
    this.busy = true;
    void Promise.allSettled(running.map(async (j) => {
      const s = await c.status(j.id, j.user);
      this.jobs.set(j.id, {
        id: j.id, user: j.user, ...(s.name !== undefined ? { name: s.name } : {}), state: s.state,
        done: s.phases.reduce((a, p) => a + p.done, 0), tasks: s.phases.reduce((a, p) => a + p.tasks, 0), running: s.phases.reduce((a, p) => a + p.running, 0),
      });
    })).finally(() => (this.busy = false));
  }
}
