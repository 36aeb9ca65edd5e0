// English text for the jobs benches: the system's Vim documentation (Debian's vim-runtime, about
// 9.5 MB of English prose and examples in 150 files), repeated to the size asked for. It is real
// text with a natural spread of words, which is what a word count needs; random bytes would make
// every line a distinct word and say nothing about sort's or awk's real work.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const VIM_DOC_PARENT = '/usr/share/vim';

/** The corpus's source files, or a clear error naming the package that brings them. */
export function corpusFiles(): string[] {
  const dirs = existsSync(VIM_DOC_PARENT) ? readdirSync(VIM_DOC_PARENT).filter((d) => /^vim[0-9]+$/.test(d)).map((d) => join(VIM_DOC_PARENT, d, 'doc')) : [];
  const files = dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.txt')).sort().map((f) => join(d, f)) : []));
  if (files.length === 0) throw new Error(`no English corpus: ${VIM_DOC_PARENT}/vim*/doc/*.txt is missing (apt-get install vim-runtime)`);
  return files;
}

/** `bytes` bytes of English text: the corpus, repeated and cut at a line's end. */
export function englishText(bytes: number): Buffer {
  const one = Buffer.concat(corpusFiles().map((f) => readFileSync(f)));
  const out = Buffer.alloc(bytes);
  let at = 0;
  while (at < bytes) at += one.copy(out, at, 0, Math.min(one.length, bytes - at));
  const lastNewline = out.lastIndexOf(10);
  return lastNewline < 0 ? out : out.subarray(0, lastNewline + 1);
}
