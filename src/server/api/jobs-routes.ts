// The route table of the jobs door (handlers in jobs.ts), registered and documented like every
// other route (routes.ts, openapi.ts). A gateway without a jobs client (one with no peer of its
// own, files on its disk) answers these routes with 503.
import { Type } from '@sinclair/typebox';
import { JobStatus } from '../../services/jobs/engine/api-messages.js';
import { addInputs, cancelJob, createJob, endInputs, jobReport, deleteJobReport, jobStatus, listJobs, liveResults, outputFilePath } from './jobs.js';
import { getHome } from './home.js';
import type { RouteSpec } from './routes.js';
import { JobParams, UserParams } from './schemas.js';

const errors = {
  '400': { description: 'a malformed job, path or query (InvalidArgument), naming what is wrong' },
  '401': { description: 'no or unknown bearer token (Unauthorized)' },
  '403': { description: 'the job or an input belongs to another user (Forbidden)' },
  '503': { description: 'the ring is not ready, or the job\'s keeper is moving (ServiceUnavailable): retry' },
};
const notFound = { '404': { description: 'no such job of this user (ResourceNotFound)' } };
const jsonLines = 'application/x-json-stream';
const JobOutputParams = Type.Object({ ...JobParams.properties, '*': Type.Optional(Type.String({ maxLength: 256 })) });
const StateQuery = Type.Object({ state: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('cancelled')])) });

function live(method: 'GET' | 'POST', tail: string, operationId: string, summary: string, handler: RouteSpec['handler'], ok: RouteSpec['responses']): RouteSpec {
  return {
    method, urls: [`/:user/jobs/:id/live/${tail}`], openapiPath: `/{user}/jobs/{id}/live/${tail}`, operationId, summary, auth: 'owner',
    schema: { params: JobParams }, responses: { ...ok, ...errors, ...notFound }, handler,
  };
}

export function jobRoutes(): RouteSpec[] {
  const create: RouteSpec[] = (['POST', 'PUT'] as const).map((method) => ({
    method, urls: ['/:user/jobs'], openapiPath: '/{user}/jobs', operationId: `${method.toLowerCase()}Job`, auth: 'owner',
    summary: 'CreateJob: the body is the job, {name?, phases: [{type?, exec, count?, timeout?, memory?}]}',
    schema: { params: UserParams },
    responses: { '201': { description: 'created; Location names the job', schema: Type.Object({ id: Type.String() }), mediaType: 'application/json' }, ...errors },
    handler: createJob,
  }));
  return [
    ...create,
    {
      method: 'GET', urls: ['/:user/jobs'], openapiPath: '/{user}/jobs', operationId: 'listJobs', auth: 'owner',
      summary: 'ListJobs: the user\'s jobs with their status, one JSON object per line; ?state= filters',
      schema: { params: UserParams, querystring: StateQuery },
      responses: { '200': { description: 'the jobs', schema: JobStatus, mediaType: jsonLines }, ...errors },
      handler: listJobs,
    },
    {
      method: 'GET', urls: ['/:user/jobs/:id'], openapiPath: '/{user}/jobs/{id}', operationId: 'getJob', auth: 'owner',
      summary: 'GetJob: the job\'s status', schema: { params: JobParams },
      responses: { '200': { description: 'the status', schema: JobStatus, mediaType: 'application/json' }, ...errors, ...notFound },
      handler: (ctx, req) => jobStatus(ctx, req),
    },
    {
      method: 'DELETE', urls: ['/:user/jobs/:id'], openapiPath: '/{user}/jobs/{id}', operationId: 'deleteJob', auth: 'owner',
      summary: 'CancelJob: stop every task of the job', schema: { params: JobParams },
      responses: { '204': { description: 'cancelled (or already ended)' }, ...errors, ...notFound },
      handler: cancelJob,
    },
    live('POST', 'in', 'addJobInputs', 'AddJobInputs: input paths (absolute, under /:user/), one a line, streamed', addInputs, { '200': { description: 'added; the job\'s count of inputs', mediaType: 'application/json' } }),
    live('POST', 'in/end', 'endJobInputs', 'EndJobInput: no more inputs', endInputs, { '204': { description: 'inputs ended' } }),
    live('POST', 'cancel', 'cancelJob', 'CancelJob: stop every task of the job', cancelJob, { '204': { description: 'cancelled' } }),
    live('GET', 'status', 'getJobStatus', 'GetJobStatus: state, inputDone, per-phase counts of tasks, done, errors; retries, outputs, keeper', (ctx, req) => jobStatus(ctx, req), { '200': { description: 'the status', schema: JobStatus, mediaType: 'application/json' } }),
    live('GET', 'in', 'getJobInput', 'GetJobInput: the input paths, one a line', liveResults('in'), { '200': { description: 'the inputs', mediaType: 'text/plain' } }),
    live('GET', 'out', 'getJobOutput', 'GetJobOutput: the last phase\'s output objects, one path a line (read them with GET)', liveResults('out'), { '200': { description: 'the outputs', mediaType: 'text/plain' } }),
    live('GET', 'err', 'getJobErrors', 'GetJobErrors: one JSON object a line: phase, index, code, message, exitCode, input, stderr', liveResults('err'), { '200': { description: 'the errors', mediaType: jsonLines } }),
    live('GET', 'fail', 'getJobFailures', 'GetJobFailures: the inputs whose tasks failed, one a line', liveResults('fail'), { '200': { description: 'the failures', mediaType: 'text/plain' } }),
    {
      method: 'GET', urls: ['/:user/jobs/:id/stor/*'], openapiPath: '/{user}/jobs/{id}/stor/{path}', operationId: 'getJobObject', auth: 'owner',
      summary: 'an output object of the job (the paths GetJobOutput lists)', schema: { params: JobOutputParams },
      responses: { '200': { description: 'the object' }, ...errors, ...notFound },
      handler: (ctx, req, reply) => getHome(ctx, req, reply, false, outputFilePath(req)),
    },
    {
      method: 'HEAD', urls: ['/:user/jobs/:id/stor/*'], openapiPath: '/{user}/jobs/{id}/stor/{path}', operationId: 'headJobObject', auth: 'owner',
      summary: 'the headers of an output object', schema: { params: JobOutputParams },
      responses: { '200': { description: 'exists' }, ...errors, ...notFound },
      handler: (ctx, req, reply) => getHome(ctx, req, reply, true, outputFilePath(req)),
    },
    {
      method: 'GET', urls: ['/:user/jobs-reports/:id'], openapiPath: '/{user}/jobs-reports/{id}', operationId: 'getJobReport', auth: 'owner',
      summary: 'the report of a job: its status, inputs, outputs, errors and failures (a finished job\'s as archived when it ended)', schema: { params: JobParams },
      responses: { '200': { description: 'the report', mediaType: 'application/json' }, ...errors, ...notFound },
      handler: (ctx, req) => jobReport(ctx, req),
    },
    {
      method: 'DELETE', urls: ['/:user/jobs-reports/:id'], openapiPath: '/{user}/jobs-reports/{id}', operationId: 'deleteJobReport', auth: 'owner',
      summary: 'remove a finished job\'s archived report (its outputs stay)', schema: { params: JobParams },
      responses: { '204': { description: 'removed' }, ...errors, '404': { description: 'no archived report of this job' } },
      handler: deleteJobReport,
    },
  ];
}
