// Proves what is checked before a sandboxed task runs: a job's `kind` and a js or wasm exec are
// refused with a message naming the fault, and a module's memory maximum is rewritten to the
// task's bound (added where missing, lowered where larger), refusing what cannot be bounded.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../env/memory-clock.js';
import { checkJob } from '../engine/job.js';
import type { ExecKind, Executor } from '../executor.js';
import { SandboxExecutor } from './executor.js';
import { SandboxPool } from './pool.js';
import type { SandboxFactory } from './protocol.js';
import { boundMemory, WASM_PAGE_BYTES, WasmModuleError } from './wasm-memory.js';

const neverSpawns: SandboxFactory = { unlimited: '', spawn: () => { throw new Error('prepare must start no sandbox'); } };
const pool = new SandboxPool(neverSpawns, 1);
const js = new SandboxExecutor('js', new ManualClock(), pool);
const wasm = new SandboxExecutor('wasm', new ManualClock(), pool);
const executors = new Map<ExecKind, Executor>([['js', js], ['wasm', wasm]]);

describe('sandboxed execs', () => {
  it('are checked when the job is created', () => {
    const job = checkJob({ phases: [{ kind: 'js', exec: 'map', assets: ['/u/m.js'] }, { type: 'reduce', kind: 'wasm', exec: 'wc reduce', assets: ['/u/wc.wasm'] }] }, executors);
    expect(job.phases.map((p) => p.kind)).toEqual(['js', 'wasm']);
    expect(job.spec.phases[0]!.kind).toBe('js');
    expect(() => checkJob({ phases: [{ kind: 'lua', exec: 'x' }] }, executors)).toThrow(/phases\[0\]\.kind: must be one of builtin, js, wasm, got "lua"/);
    expect(() => checkJob({ phases: [{ kind: 'js', exec: 'map' }] }, executors)).toThrow(/needs its module as the phase's first asset/);
    expect(() => checkJob({ phases: [{ kind: 'js', exec: 'not-a-name', assets: ['/u/m.js'] }] }, executors)).toThrow(/name of the function the module exports/);
    expect(() => checkJob({ phases: [{ exec: 'cat' }] }, executors)).toThrow(/no executor of kind builtin/);
  });
});

/** A module of one memory section: the magic, version and section 5 with the given limits bytes. */
function withMemory(...limits: number[]): Uint8Array {
  const body = [1, ...limits];
  return Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, body.length, ...body]);
}

describe('a module\'s memory bound', () => {
  const pages = (n: number) => n * WASM_PAGE_BYTES;
  it('is added where the module declares none, and lowered where it declares more', () => {
    expect([...boundMemory(withMemory(0, 1), pages(16))]).toEqual([...withMemory(1, 1, 16)]);
    expect([...boundMemory(withMemory(1, 1, 0xff, 0x01), pages(16))]).toEqual([...withMemory(1, 1, 16)]);
    expect([...boundMemory(withMemory(1, 1, 8), pages(16))]).toEqual([...withMemory(1, 1, 8)]);
  });

  it('refuses what it cannot bound', () => {
    expect(() => boundMemory(withMemory(3, 1, 2), pages(16))).toThrow(WasmModuleError);
    expect(() => boundMemory(withMemory(0, 32), pages(16))).toThrow(/starts at 32 pages/);
    expect(() => boundMemory(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), pages(16))).toThrow(/bad magic/);
    expect(() => boundMemory(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 9, 1]), pages(16))).toThrow(/past the end/);
  });
});
