// Proves the builtin executor's contract: refusals at prepare name the token, the word count equals GNU's, sort spills past its buffer, and limits, output bounds and cancel end a task with the outcome the engine expects.
import { describe, expect, it } from 'vitest';
import { ExecRefusedError } from './exec/errors.js';
import { chunked, GENEROUS_LIMITS, runBuiltin, runGnu, testExecutor } from './test-util/run.js';

const WORDS = ['the', 'cloud', 'peer', 'ring', 'data', 'The', 'job', 'map', 'reduce', 'a', 'of', 'Chord', 'store'];

/** Deterministic English-like text: words, punctuation and line breaks in a repeating but uneven pattern. */
function text(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let j = 0; j < 3 + ((i * 7) % 9); j++) words.push(WORDS[(i * 31 + j * 17 + ((i * j) % 5)) % WORDS.length]!);
    out.push(`${words.join(i % 3 === 0 ? ', ' : ' ')}${i % 4 === 0 ? '.' : ''}`);
  }
  return Buffer.from(`${out.join('\n')}\n`, 'latin1');
}

const WORDCOUNT = "tr -cs A-Za-z '\\n' | tr A-Z a-z | sort | uniq -c | awk '{c[$2]+=$1} END {for (w in c) print c[w], w}' | sort -rn | head -20";

describe('builtin executor', () => {
  it('refuses what it cannot run when the job is created, naming the token', () => {
    const executor = testExecutor();
    const cases: Array<[string, string]> = [
      ['cat /etc/passwd', '/etc/passwd'],
      ['grep -P x', '-P'],
      ['sort -o out', '-o'],
      ['ls', 'ls'],
      ['cat; cat', ';'],
      ['cat > out', '> out'],
      ['echo $(id)', '$(id)'],
      ["awk 'BEGIN { getline }'", 'getline'],
      ["awk '{ print > \"f\" }'", '>'],
      ["awk 'function f(x) { return x }'", 'function'],
      ["sed 's/a/b/w out'", 'w'],
    ];
    for (const [exec, token] of cases) {
      let refused: unknown;
      try {
        executor.prepare({ kind: 'builtin', exec });
      } catch (e) {
        refused = e;
      }
      expect(refused, exec).toBeInstanceOf(ExecRefusedError);
      expect((refused as ExecRefusedError).token, exec).toContain(token);
      expect((refused as ExecRefusedError).code).toBe('INVALID_ARGUMENT');
    }
  });

  it('runs the issue\'s word count to the same bytes as GNU coreutils and gawk', async () => {
    const input = text(3000);
    const ours = await runBuiltin(WORDCOUNT, input);
    expect(ours.result?.outcome).toBe('exited');
    expect(ours.stdout.toString('latin1')).toBe(runGnu(WORDCOUNT, input).stdout.toString('latin1'));
  });

  it('spills sort runs to the store past its buffer and merges them in order', async () => {
    const input = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${(i * 7919) % 10007} line ${i % 13}`).join('\n') + '\n');
    const executor = testExecutor({ sortBufferBytes: 64 * 1024, sortMergeFan: 4 });
    const ours = await runBuiltin('sort -k1,1n -k3r', input, { executor });
    expect(ours.result?.counters.spilledBytes).toBeGreaterThan(0);
    expect(ours.stdout.equals(runGnu('sort -k1,1n -k3r', input).stdout)).toBe(true);
  });

  it('fails a task whose awk arrays outgrow their bound, saying which bound', async () => {
    const executor = testExecutor({ awkArrayElements: 100 });
    const ours = await runBuiltin("awk '{ seen[NR] = $0 }'", text(500), { executor });
    expect(ours.result).toMatchObject({ outcome: 'limit', limit: 'array', exitCode: 137 });
    expect(ours.stderr).toContain('100 elements');
  });

  it('stops a task past its output bound, and never hands on a partial output as whole', async () => {
    const executor = testExecutor();
    const ours = await runBuiltin('cat', text(2000), { executor, limits: { ...GENEROUS_LIMITS, outputBytes: 1000 } });
    expect(ours.result).toMatchObject({ outcome: 'limit', limit: 'output' });
    expect(ours.stdout.length).toBeLessThanOrEqual(1000 + 65_536);
  });

  it('cancels an endless program at its next slice of work', async () => {
    const executor = testExecutor();
    const task = executor.start(executor.prepare({ kind: 'builtin', exec: "awk 'BEGIN { while (1) n++ }'" }), { stdin: chunked(Buffer.alloc(0)), limits: GENEROUS_LIMITS });
    const reading = (async () => {
      for await (const chunk of task.stdout) void chunk;
    })().catch((e: unknown) => e);
    setImmediate(() => task.cancel());
    const result = await task.result;
    expect(result).toMatchObject({ outcome: 'cancelled', exitCode: 130 });
    expect(await reading).toBeInstanceOf(Error);
  });
});
