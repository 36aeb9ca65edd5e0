// The errors of builtin execs. Refusals happen when a job is created (the engine answers them
// with a 400 that carries the message and the offending token); failures and limits happen
// while a task runs and end it with a non-zero status and a message on its stderr.
import { CumulusError } from '../../../core/errors.js';

/** An exec that cannot run: bad syntax, an unknown command or flag, a bad operand. */
export class ExecRefusedError extends CumulusError {
  /** The word or operator that was refused, as the user wrote it. */
  readonly token: string;

  constructor(token: string, reason: string) {
    super('INVALID_ARGUMENT', `${reason}: ${JSON.stringify(token)}`, { token });
    this.token = token;
  }
}

/**
 * A tool failed the way the GNU tool would (a runtime error in awk, a bad regular expression built
 * at run time): the stage ends with `status` and the message goes to the task's stderr.
 */
export class ToolFailure extends CumulusError {
  readonly status: number;

  constructor(status: number, message: string) {
    super('REFUSED', message, { status });
    this.status = status;
  }
}

/** What a limit guards, for the task's result and for people. */
export type LimitKind = 'line' | 'fields' | 'string' | 'regex' | 'array' | 'steps' | 'printf' | 'memory' | 'output' | 'held-lines';

/** Work went past one of the task's bounds: the whole task fails, whatever stage hit it. */
export class LimitExceededError extends CumulusError {
  readonly limit: LimitKind;

  constructor(limit: LimitKind, message: string) {
    super('TOO_LARGE', message, { limit });
    this.limit = limit;
  }
}

/** The task was cancelled (by the engine, or because its time ran out). */
export class TaskCancelledError extends CumulusError {
  readonly reason: 'cancelled' | 'timeout';

  constructor(reason: 'cancelled' | 'timeout') {
    super('CANCELLED', reason === 'timeout' ? 'task ran out of time' : 'task cancelled');
    this.reason = reason;
  }
}

/** A bug in a tool (an exception none of the expected ones): the task fails as an internal error, which the engine may retry elsewhere. */
export class InternalFault extends CumulusError {
  constructor(tool: string, cause: unknown) {
    super('INTERNAL', `${tool}: internal error: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Why a task was stopped before its stages ended on their own. */
export type StopReason = TaskCancelledError | LimitExceededError | InternalFault;

export function isStopReason(e: unknown): e is StopReason {
  return e instanceof TaskCancelledError || e instanceof LimitExceededError || e instanceof InternalFault;
}
