// 'find-finger' routed to us, the owner of its key: answering finger searches is fingers/answer.ts's.
import type { Envelope } from '../../core/envelope.js';
import type { FingerAnswers } from '../fingers/index.js';

export function findFingerHandler(ctx: { readonly fingerAnswers: Pick<FingerAnswers, 'handle'> }, env: Envelope): void {
  ctx.fingerAnswers.handle(env);
}
