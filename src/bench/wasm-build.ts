// The example task modules, built from their sources in examples/jobs: the JavaScript module is its
// own source; a WASI module is compiled from AssemblyScript by the assemblyscript compiler (npm).
// Compiled modules are kept in the system's temporary directory by the hash of their source and the
// compiler's version, so a test run compiles each once; nothing compiled is committed.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** examples/jobs at the package's root (from src/bench or dist/bench alike). */
export const EXAMPLES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'jobs');

/** An example's source text. */
export function exampleSource(file: string): string {
  return readFileSync(join(EXAMPLES_DIR, file), 'utf8');
}

/** The word count of the jobs issue as a JS task module's bytes. */
export function wordcountJs(): Uint8Array {
  return new TextEncoder().encode(exampleSource('wordcount.js'));
}

/** AssemblyScript source compiled to a WASI command module (its abort handler is its own `abort`; it may import examples/jobs/wasi.as.ts as "./wasi"). */
export async function compileAssemblyScript(source: string): Promise<Uint8Array> {
  const version = (createRequire(import.meta.url)('assemblyscript/package.json') as { version: string }).version;
  const wasi = exampleSource('wasi.as.ts');
  const key = createHash('sha256').update(`${version}\n${wasi}\n${source}`).digest('hex').slice(0, 32);
  const dir = join(tmpdir(), 'cumulus-wasm-build');
  const cached = join(dir, `${key}.wasm`);
  if (existsSync(cached)) return new Uint8Array(readFileSync(cached));
  const { default: asc } = await import('assemblyscript/asc');
  const r = await asc.compileString({ 'module.ts': source, 'wasi.ts': wasi }, { optimizeLevel: 3, shrinkLevel: 0, runtime: 'incremental', use: ['abort=module/abort'] });
  if (r.error !== null || r.binary === null) throw new Error(`AssemblyScript failed: ${r.error?.message ?? ''}\n${r.stderr.toString()}`);
  mkdirSync(dir, { recursive: true });
  const partial = `${cached}.${process.pid}`;
  writeFileSync(partial, r.binary);
  renameSync(partial, cached);
  return r.binary;
}

/** The word count as a WASI module, built from examples/jobs/wordcount.as.ts. */
export function wordcountWasm(): Promise<Uint8Array> {
  return compileAssemblyScript(exampleSource('wordcount.as.ts'));
}
