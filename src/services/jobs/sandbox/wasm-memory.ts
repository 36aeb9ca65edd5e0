// A WebAssembly module's memory bound, set by the executor: before a module is compiled, its
// memory section is rewritten so that every memory it defines has a maximum of at most the task's
// memory limit. A module's own `memory.grow` past it then fails as the spec says (it returns -1),
// whatever toolchain built it and whether or not it declared a maximum. The sandbox refuses
// modules that import a memory (imports are checked after compiling: only WASI functions).
//
// The binary format (WebAssembly core spec 5.5): the magic and version, then sections, each an id
// byte, a LEB128 u32 size and its contents; the memory section (id 5) is a vector of limits, each
// a flags byte (0: min only, 1: min and max; 2 and 3 shared, 4 and up 64-bit) and LEB128 numbers.

import { concatBytes } from '../exec/bytes.js';

export const WASM_PAGE_BYTES = 65536;
/** Pages a 32-bit memory can have at most (4 GiB). */
const MAX_PAGES = 65536;
const MEMORY_SECTION = 5;

export class WasmModuleError extends Error {}

/** The module with each defined memory's maximum set to at most maxBytes; throws WasmModuleError when it cannot be. */
export function boundMemory(module: Uint8Array, maxBytes: number): Uint8Array {
  const maxPages = Math.max(0, Math.min(MAX_PAGES, Math.floor(maxBytes / WASM_PAGE_BYTES)));
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) throw new WasmModuleError('not a WebAssembly module (bad magic number)');
  const parts: Uint8Array[] = [module.subarray(0, 8)];
  let at = 8;
  while (at < module.length) {
    const id = module[at]!;
    const size = readLeb(module, at + 1);
    const start = size.next;
    const end = start + size.value;
    if (end > module.length) throw new WasmModuleError(`section ${id} runs past the end of the module`);
    if (id === MEMORY_SECTION) {
      const body = rewriteMemories(module.subarray(start, end), maxPages);
      parts.push(Uint8Array.of(id), writeLeb(body.length), body);
    } else {
      parts.push(module.subarray(at, end));
    }
    at = end;
  }
  return concatBytes(parts);
}

function rewriteMemories(section: Uint8Array, maxPages: number): Uint8Array {
  const count = readLeb(section, 0);
  const out: number[] = [...writeLeb(count.value)];
  let at = count.next;
  for (let i = 0; i < count.value; i++) {
    const flags = section[at];
    if (flags !== 0 && flags !== 1) throw new WasmModuleError(`memory ${i} is shared or 64-bit (flags ${flags}), which a task cannot use`);
    const min = readLeb(section, at + 1);
    at = min.next;
    let max = maxPages;
    if (flags === 1) {
      const declared = readLeb(section, at);
      at = declared.next;
      max = Math.min(max, declared.value);
    }
    if (min.value > maxPages) throw new WasmModuleError(`memory ${i} starts at ${min.value} pages of 64 KiB, more than the task's memory limit of ${maxPages} pages`);
    out.push(1, ...writeLeb(min.value), ...writeLeb(Math.max(min.value, max)));
  }
  if (at !== section.length) throw new WasmModuleError('the memory section has trailing bytes');
  return Uint8Array.from(out);
}

function readLeb(b: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= b.length) throw new WasmModuleError('the module ends inside a number');
    const byte = b[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) throw new WasmModuleError('a number in the module is out of range');
      return { value, next: at };
    }
  }
  throw new WasmModuleError('a number in the module is too long');
}

function writeLeb(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Uint8Array.from(out);
}
