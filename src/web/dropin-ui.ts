// What a visitor sees while the drop-in holds a form: a status line just above the form (a live
// region, so screen readers announce it) while it waits in a queue or when it was refused, and
// disabled submit buttons while it waits. Nothing is shown while the page connects or sends, nor
// when Cumulus is unreachable and the form goes through unguarded (failing open): the visitor has
// nothing to do about it. The form's fields are never touched: a refused visitor keeps everything
// they typed. The form's data-cumulus attribute mirrors the state, for the page's styles and tests.
import type { DropinReason } from '../services/coord/dropin-wire.js';

/** sent: granted and sent natively; unguarded: sent without a slot, because Cumulus could not decide. */
export type FormState = 'connecting' | 'waiting' | 'sent' | 'unguarded' | 'refused' | 'idle';

const STYLE = 'margin:.5rem 0;padding:.5rem .75rem;border-radius:4px;font:14px/1.4 system-ui,sans-serif;';
const WAITING = 'background:#eef3fb;border:1px solid #9bb4dd;color:#1b3866';
const REFUSED = 'background:#fff6e0;border:1px solid #e0b44c;color:#5c4300';

export class FormStatus {
  private banner: HTMLDivElement | null = null;

  constructor(private readonly form: HTMLFormElement) {}

  /** Show state, with a message line when one is given; onCancel adds a button that gives up the wait. */
  show(state: FormState, message?: string, onCancel?: () => void): void {
    this.form.dataset.cumulus = state;
    const busy = state === 'connecting' || state === 'waiting';
    for (const b of this.form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button[type=submit], button:not([type]), input[type=submit], input[type=image]')) b.disabled = busy;
    if (message === undefined) {
      this.banner?.remove();
      this.banner = null;
      return;
    }
    if (!this.banner) {
      this.banner = document.createElement('div');
      this.banner.setAttribute('role', 'status');
      this.banner.setAttribute('aria-live', 'polite');
      this.banner.className = 'cumulus-status';
      this.form.parentNode?.insertBefore(this.banner, this.form);
    }
    this.banner.setAttribute('style', STYLE + (state === 'waiting' ? WAITING : REFUSED));
    this.banner.dataset.state = state;
    this.banner.textContent = message;
    if (onCancel) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Cancel';
      b.setAttribute('style', 'margin-left:.75rem');
      b.addEventListener('click', onCancel, { once: true });
      this.banner.append(b);
    }
  }
}

const KEPT = 'Everything you typed is still here';
const CUMULUS = 'Cumulus, the service that paces this site\u2019s forms,';

export const waitingMessage = (waitMs: number): string =>
  `The site is busy: your form will be sent as soon as a slot is free (waiting up to ${Math.round(waitMs / 1000)} s).`;

/** Why a form was not sent, in the visitor's words. */
export function refusalMessage(reason: DropinReason, waitMs: number): string {
  switch (reason) {
    case 'full':
      return `The site is busy right now, so your form was not sent. ${KEPT}: try again in a moment.`;
    case 'wait-expired':
      return `No slot came free within ${Math.round(waitMs / 1000)} s, so your form was not sent. ${KEPT}: try again.`;
    case 'cancelled':
      return `You cancelled: your form was not sent. ${KEPT}.`;
    case 'unreachable':
      return `Your form was not sent: ${CUMULUS} is unreachable right now. ${KEPT}: try again in a moment.`;
    case 'timeout':
      return `Your form was not sent: ${CUMULUS} did not answer in time. ${KEPT}: try again in a moment.`;
    case 'unavailable':
      return `Your form was not sent: ${CUMULUS} could not decide just now (its peers are reorganising). ${KEPT}: try again in a few seconds.`;
    case 'not-joined':
      return `Your form was not sent: ${CUMULUS} is starting and not ready yet. ${KEPT}: try again in a few seconds.`;
    case 'server-busy':
      return `Your form was not sent: ${CUMULUS} is serving as many visitors as it can. ${KEPT}: try again in a moment.`;
    case 'capacity-mismatch':
      return `Your form was not sent: this site\u2019s pages disagree on how many forms may be sent at once, which its operator must fix. ${KEPT}.`;
    case 'bad-request':
      return `Your form was not sent: ${CUMULUS} did not understand this page\u2019s request. ${KEPT}.`;
  }
}
