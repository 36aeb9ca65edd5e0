// Proves the folders of src/ import each other one way only, as docs/architecture.md draws them:
// every import of shipped code goes to a folder its own folder may use, the allowed uses form no
// cycle, and no service reaches into another service's folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/**
 * The folders each folder of src/ may import (besides itself). Bottom to top: core < env <
 * overlay < gossip < services < peer < runtime/host < server/cli/bench. The simulator is a
 * simulated Env that runs protocol code, so it sits above peer and beside the real runtime;
 * `index.ts` at the root is the package's entry (the SDK).
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  env: ['core'],
  overlay: ['core', 'env'],
  gossip: ['core', 'env', 'overlay'],
  services: ['core', 'env', 'overlay', 'gossip'],
  peer: ['core', 'env', 'overlay', 'gossip', 'services'],
  sim: ['core', 'env', 'overlay', 'gossip', 'services', 'peer'],
  runtime: ['core', 'env', 'services'],
  host: ['core', 'env', 'overlay', 'gossip', 'services', 'peer', 'runtime'],
  sdk: ['core'],
  server: ['core', 'env', 'overlay', 'gossip', 'services', 'peer', 'runtime', 'host', 'sdk'],
  web: ['core', 'env', 'overlay', 'gossip', 'services', 'peer', 'runtime', 'host'],
  bench: ['core', 'env', 'overlay', 'gossip', 'services', 'peer', 'sim', 'runtime', 'host', 'sdk', 'server'],
  cli: ['core', 'env', 'overlay', 'gossip', 'services', 'peer', 'sim', 'runtime', 'host', 'sdk', 'server', 'bench'],
  '.': ['sdk'],
};

/** Shipped sources: what tsconfig.build.json compiles (tests and test utilities are left out). */
function shippedFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'test-util' && name !== 'compliance') out.push(...shippedFiles(p));
    } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The folder of src/ a path lies in ('.' for a file at the root), and for services/ its service. */
function place(path: string): { folder: string; service?: string } {
  const parts = relative(SRC, path).split(sep);
  if (parts.length === 1) return { folder: '.' };
  return parts[0] === 'services' && parts.length > 2 ? { folder: 'services', service: parts[1]! } : { folder: parts[0]! };
}

interface Edge {
  from: string;
  to: string;
}

function imports(): Edge[] {
  const edges: Edge[] = [];
  for (const file of shippedFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      edges.push({ from: file, to: normalize(join(dirname(file), ref.fileName)) });
    }
  }
  return edges;
}

describe('layers', () => {
  const edges = imports();

  it('reads the imports of every shipped folder', () => {
    const folders = new Set(edges.map((e) => place(e.from).folder));
    for (const f of ['overlay', 'services', 'peer', 'runtime', 'host', 'server', 'cli', 'bench', 'sim']) expect(folders).toContain(f);
  });

  it('imports only from the folders a folder may use', () => {
    const wrong: string[] = [];
    for (const e of edges) {
      const a = place(e.from).folder;
      const b = place(e.to).folder;
      if (a === b) continue;
      const allowed = ALLOWED[a];
      if (allowed === undefined) wrong.push(`${relative(SRC, e.from)}: folder ${a} has no place in the layers`);
      else if (!allowed.includes(b)) wrong.push(`${relative(SRC, e.from)} imports ${relative(SRC, e.to)} (${a} may not use ${b})`);
    }
    expect(wrong).toEqual([]);
  });

  it('allows no cycle between folders', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') return void cycles.push([...path, f].join(' -> '));
      state.set(f, 'open');
      for (const g of ALLOWED[f] ?? []) visit(g, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of Object.keys(ALLOWED)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keeps each service out of the others', () => {
    const wrong: string[] = [];
    for (const e of edges) {
      const a = place(e.from);
      const b = place(e.to);
      if (a.service !== undefined && b.service !== undefined && a.service !== b.service) wrong.push(`${relative(SRC, e.from)} imports ${relative(SRC, e.to)}`);
    }
    expect(wrong).toEqual([]);
  });
});
