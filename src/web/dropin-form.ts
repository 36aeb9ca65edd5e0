// A held form submission, sent later the browser's own way. At the submit event the drop-in takes
// what the browser would have sent then: the entry list (the submitter's name and value, files,
// everything, read before any button is disabled), and the action, method, enctype and target
// with the submitter's formaction/formmethod/formenctype/formtarget. Once granted, it sends that
// snapshot through a hidden form of the same shape with the native HTMLFormElement.submit: the
// browser encodes it (urlencoded, multipart or text/plain, with the form's charset), navigates,
// follows redirects, stores cookies and adds the history entry exactly as without the drop-in,
// and the answer is a fresh page whose scripts run once. No submit event fires for the hidden
// form, so the application's submit handlers are not run a second time.

export interface Snapshot {
  /** Absolute URL of the effective action. */
  action: string;
  enctype: string;
  target: string;
  acceptCharset: string;
  rel: string;
  entries: Array<[string, FormDataEntryValue]>;
}

type Submitter = HTMLButtonElement | HTMLInputElement;

function isSubmitter(el: HTMLElement | null): el is Submitter {
  return el instanceof HTMLButtonElement || el instanceof HTMLInputElement;
}

type FormProp = 'action' | 'method' | 'enctype' | 'target' | 'acceptCharset' | 'rel';

/**
 * A form's own property, read through the prototype: a control named "action" (or "method" …)
 * shadows form.action with itself, and applications do name their submit buttons "action".
 */
function formProp(form: HTMLFormElement, prop: FormProp): string {
  return Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, prop)!.get!.call(form) as string;
}

/** The submitter's override of an attribute when it has one, else the form's own value. */
function effective(form: HTMLFormElement, submitter: Submitter | null, attr: 'action' | 'method' | 'enctype' | 'target'): string {
  if (submitter?.hasAttribute(`form${attr}`)) return { action: submitter.formAction, method: submitter.formMethod, enctype: submitter.formEnctype, target: submitter.formTarget }[attr];
  return formProp(form, attr);
}

/**
 * What this submission would send, or null when the drop-in leaves it alone: not a POST, or an
 * action on another origin (the lease is per site; such forms go through as they are).
 */
export function snapshotOf(form: HTMLFormElement, submitterEl: HTMLElement | null): Snapshot | null {
  const submitter = isSubmitter(submitterEl) ? submitterEl : null;
  if (effective(form, submitter, 'method') !== 'post') return null;
  const action = effective(form, submitter, 'action');
  let url: URL;
  try {
    url = new URL(action, location.href);
  } catch {
    return null;
  }
  if (url.origin !== location.origin) return null;
  let fd: FormData;
  try {
    fd = new FormData(form, submitter);
  } catch {
    // A submitter the constructor refuses (not a submit button of this form): as form.submit() would.
    fd = new FormData(form);
  }
  return { action: url.href, enctype: effective(form, submitter, 'enctype'), target: effective(form, submitter, 'target'), acceptCharset: formProp(form, 'acceptCharset'), rel: formProp(form, 'rel'), entries: [...fd] };
}

/** The path of the snapshot's action: what its POSTs contend for (the query is left out). */
export function pathOf(s: Snapshot): string {
  return new URL(s.action).pathname;
}

let lastForm: HTMLFormElement | null = null;

/**
 * The hidden form that will send a snapshot, built and put in the document while the submit waits
 * for its slot, so that a grant costs only the native submit: a slot's turn is spent idle at the
 * application until the next POST reaches it. `discard()` removes it when the submit is refused.
 */
export class HiddenForm {
  private readonly form: HTMLFormElement;

  constructor(s: Snapshot) {
    this.form = buildHidden(s);
    document.body.append(this.form);
  }

  /** Send it as the browser would have sent the original, natively. */
  submit(nativeSubmit: (this: HTMLFormElement) => void): void {
    // Kept until the next submission: the navigation is already under way, and a response that
    // does not replace the page (a download, 204) leaves the page as it was.
    if (lastForm !== this.form) lastForm?.remove();
    lastForm = this.form;
    nativeSubmit.call(this.form);
  }

  discard(): void {
    if (lastForm !== this.form) this.form.remove();
  }
}

/** A hidden form of the snapshot's shape holding its entries. */
function buildHidden(s: Snapshot): HTMLFormElement {
  const f = document.createElement('form');
  f.method = 'post';
  f.action = s.action;
  f.enctype = s.enctype;
  if (s.target) f.target = s.target;
  if (s.acceptCharset) f.acceptCharset = s.acceptCharset;
  if (s.rel) f.rel = s.rel;
  f.noValidate = true;
  f.hidden = true;
  for (const [name, value] of s.entries) {
    const input = document.createElement('input');
    input.name = name;
    if (typeof value === 'string') {
      // A hidden input keeps its value as given, line breaks included (the encoder normalizes them).
      input.type = 'hidden';
      input.value = value;
    } else {
      input.type = 'file';
      // An empty file input sends an empty, unnamed file: the same entry the original sent.
      if (value.name !== '' || value.size > 0) {
        const dt = new DataTransfer();
        dt.items.add(value);
        input.files = dt.files;
      }
    }
    f.append(input);
  }
  return f;
}
