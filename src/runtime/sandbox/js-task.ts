// A JS task in its compartment. The module is a script that sets `exports.NAME` (or
// `module.exports`); the task calls the export its exec names with one argument, `io`:
//   io.args, io.env            the exec's words after the name, and the task's environment
//   io.chunks()                stdin as an async iterable of Uint8Array
//   io.text(), io.lines()      stdin decoded as UTF-8, in pieces or as lines without their "\n"
//   io.write(string | bytes)   stdout (strings as UTF-8); await it: it waits while the host is behind
//   io.error(string)           stderr
// The export's return value is the exit status (an integer 0-255; nothing means 0); a throw is
// status 1 with the error on stderr. The io object and every function on it are hardened, and the
// compartment's globals are the language's intrinsics only, so the module reaches nothing else.
import { describe, SandboxStop, type TaskIo } from './inside.js';

export async function runJsTask(source: string, io: TaskIo): Promise<number> {
  const [name = '', ...args] = io.run.argv;
  const compartment = new Compartment({ __options__: true, globals: {} });
  const module: { exports: Record<string, unknown> } = { exports: {} };
  let entry: unknown;
  try {
    const wrapper = compartment.evaluate(`(function (exports, module) {${source}\n})`) as (e: unknown, m: unknown) => void;
    wrapper(module.exports, module);
    entry = (module.exports as Record<string, unknown>)[name];
  } catch (e) {
    throw new SandboxStop('refused', `the module failed to load: ${describe(e)}`);
  }
  if (typeof entry !== 'function') throw new SandboxStop('refused', `the module exports no function named ${JSON.stringify(name)}`);
  const taskIo = makeIo(io, args);
  let status: unknown;
  try {
    status = await (entry as (io: unknown) => unknown)(taskIo);
  } catch (e) {
    if (e instanceof SandboxStop) throw e;
    io.stderr(new TextEncoder().encode(`${describe(e)}\n`));
    status = 1;
  }
  // Report the end only once every microtask the module left behind has run: a module that leaves
  // an endless chain of them holds its own task until its timeout, not the next task.
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (status === undefined) return 0;
  return typeof status === 'number' && Number.isInteger(status) && status >= 0 && status <= 255 ? status : 1;
}

function makeIo(io: TaskIo, args: string[]): object {
  const encoder = new TextEncoder();
  async function* chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    for (let c = await io.pull(); c !== null; c = await io.pull()) yield c;
  }
  async function* text(): AsyncGenerator<string, void, undefined> {
    const decoder = new TextDecoder();
    for await (const c of chunks()) yield decoder.decode(c, { stream: true });
    const tail = decoder.decode();
    if (tail !== '') yield tail;
  }
  async function* lines(): AsyncGenerator<string, void, undefined> {
    let carry = '';
    for await (const t of text()) {
      const parts = (carry + t).split('\n');
      carry = parts.pop()!;
      yield* parts;
    }
    if (carry !== '') yield carry;
  }
  const toBytes = (x: unknown): Uint8Array => {
    if (typeof x === 'string') return encoder.encode(x);
    if (x instanceof Uint8Array) return x;
    throw new TypeError('io.write takes a string or a Uint8Array');
  };
  return harden({
    args: [...args],
    env: Object.fromEntries(io.run.env),
    chunks,
    text,
    lines,
    write: (x: unknown): Promise<void> => {
      io.stdout(toBytes(x));
      return io.drained();
    },
    error: (x: unknown): void => io.stderr(toBytes(x)),
  });
}
