// What a visitor sees while the drop-in holds a form: a status line just above the form (a live
// region, so screen readers announce it) and disabled submit buttons. The form's fields are never
// touched: a visitor who waits or is refused keeps everything they typed, and may keep typing
// while they wait (the form is read when the slot is granted). The form's data-cumulus attribute
// mirrors the state, for the page's own styles and for tests.

export type FormState = 'connecting' | 'waiting' | 'sending' | 'refused' | 'error' | 'idle';

const STYLE = 'margin:.5rem 0;padding:.5rem .75rem;border-radius:4px;font:14px/1.4 system-ui,sans-serif;';
const COLOURS: Record<FormState, string> = {
  connecting: 'background:#eef3fb;border:1px solid #9bb4dd;color:#1b3866',
  waiting: 'background:#eef3fb;border:1px solid #9bb4dd;color:#1b3866',
  sending: 'background:#eef3fb;border:1px solid #9bb4dd;color:#1b3866',
  refused: 'background:#fff6e0;border:1px solid #e0b44c;color:#5c4300',
  error: 'background:#fdecec;border:1px solid #d88;color:#6b1111',
  idle: '',
};

export class FormStatus {
  private banner: HTMLDivElement | null = null;

  constructor(private readonly form: HTMLFormElement) {}

  /** Show state with its message; onCancel adds a button that gives up the wait. */
  show(state: FormState, message: string, onCancel?: () => void): void {
    this.form.dataset.cumulus = state;
    const busy = state === 'connecting' || state === 'waiting' || state === 'sending';
    for (const b of this.form.querySelectorAll<HTMLButtonElement | HTMLInputElement>('button[type=submit], button:not([type]), input[type=submit]')) b.disabled = busy;
    if (state === 'idle') {
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
    this.banner.setAttribute('style', STYLE + COLOURS[state]);
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

export const MESSAGES = {
  connecting: 'Connecting to the site\u2019s coordination cloud\u2026',
  waiting: (waitMs: number) => `The site is busy: your form is waiting for a free slot (up to ${Math.round(waitMs / 1000)} s). You can keep editing; what the form holds when the slot comes is sent.`,
  sending: 'Sending\u2026',
  full: 'The site is busy right now, so your form was not sent. Everything you typed is still here: try again in a moment.',
  waited: (waitMs: number) => `No slot came free within ${Math.round(waitMs / 1000)} s, so your form was not sent. Everything you typed is still here: try again.`,
  unreachable: (why: string) => `Your form was not sent: the coordination cloud could not be reached (${why}). Everything you typed is still here: try again.`,
  failed: (why: string) => `Your form could not be sent (${why}). Everything you typed is still here: try again.`,
  cancelled: 'You cancelled: your form was not sent. Everything you typed is still here.',
};
