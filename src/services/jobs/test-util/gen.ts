// fast-check generators for the differential tests: inputs made of words that exercise fields,
// numbers, case, blanks and bytes above 0x7f, regular expressions in each dialect, and commands
// of every builtin with the flags each supports, quoted for the shell.
import fc from 'fast-check';

/** Pieces of input lines: words, numbers in several spellings, separators, odd bytes. */
const TOKENS = ['a', 'b', 'ab', 'ba', 'A', 'B', 'foo', 'Foo', 'bar', 'the', 'x1', '10', '2', '-3', '1.5', '007', '+4', '1e2', ' ', '  ', '\t', ':', ',', '.', '\xe9', '\x01', '[', '\\'];

/** A line of up to 8 tokens. */
export const line = fc.array(fc.constantFrom(...TOKENS), { maxLength: 8 }).map((t) => t.join(''));

/** Input bytes: up to 14 lines (empty and repeated lines come up often), the last newline sometimes missing. */
export const input = fc
  .tuple(fc.array(fc.oneof(line, fc.constant(''), fc.constant('a b'), fc.constant('10 a')), { maxLength: 14 }), fc.boolean())
  .map(([lines, final]) => Buffer.from(lines.join('\n') + (final && lines.length > 0 ? '\n' : ''), 'latin1'));

/** How the input is cut into chunks: tiny chunks test every boundary, big ones the common case. */
export const chunkBytes = fc.oneof(fc.integer({ min: 1, max: 7 }), fc.constant(65_536));

/** A word quoted for the shell (ours and sh read it the same). */
export function q(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/** Some of the given flags, in a random order, as one bundle (or none). */
export function flagBundle(flags: string, maxCount = flags.length): fc.Arbitrary<string> {
  return fc.subarray([...flags], { maxLength: maxCount }).map((f) => (f.length === 0 ? '' : `-${f.join('')}`));
}

export type Dialect = 'bre' | 'ere';

const ATOMS = ['a', 'b', 'A', '1', ' ', '.', '[ab]', '[^a ]', '[[:digit:]]', '[[:upper:]]', '[a-c]', '\\.', 'o', 'fo'];

/** GNU's escapes, which grep and sed take and POSIX awk does not. */
const GNU_ATOMS = ['\\w', '\\W', '\\s', '\\S', '\\<a', 'b\\>', '\\bfo', 'o\\Bo'];

/** A regular expression of the dialect: atoms, groups, alternation (ERE), repetition, anchors; GNU's escapes for grep and sed. */
export function regex(dialect: Dialect, gnu = false): fc.Arbitrary<string> {
  const atoms = gnu ? [...ATOMS, ...GNU_ATOMS] : ATOMS;
  const quant = dialect === 'ere' ? ['', '', '*', '+', '?', '{1,2}', '{2}'] : ['', '', '*', '\\{1,2\\}', '\\+', '\\?'];
  const sequence = (depth: number): fc.Arbitrary<string> => fc.array(piece(depth), { minLength: 1, maxLength: 3 }).map((p) => p.join(''));
  const group = (depth: number): fc.Arbitrary<string> =>
    dialect === 'ere'
      ? fc.tuple(sequence(depth - 1), fc.option(sequence(depth - 1), { nil: undefined })).map(([a, b]) => (b === undefined ? `(${a})` : `(${a}|${b})`))
      : sequence(depth - 1).map((a) => `\\(${a}\\)`);
  const piece = (depth: number): fc.Arbitrary<string> =>
    fc.tuple(depth > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...atoms) }, { weight: 1, arbitrary: group(depth) }) : fc.constantFrom(...atoms), fc.constantFrom(...quant)).map(([atom, qu]) => atom + qu);
  return fc.tuple(fc.boolean(), sequence(2), fc.boolean()).map(([start, body, end]) => `${start ? '^' : ''}${body}${end ? '$' : ''}`);
}

const count = fc.integer({ min: 0, max: 15 });

export const cat = flagBundle('nbsETvAetu', 3).map((f) => `cat ${f}`);

export const head = fc.oneof(
  fc.constant('head'),
  count.map((n) => `head -n ${n}`),
  count.map((n) => `head -n -${n}`),
  count.map((n) => `head -c ${n}`),
  count.map((n) => `head -c -${n}`),
  count.map((n) => `head -${n}`),
  count.map((n) => `head --lines=${n}`),
);

export const tail = fc.oneof(
  fc.constant('tail'),
  count.map((n) => `tail -n ${n}`),
  count.map((n) => `tail -n +${n}`),
  count.map((n) => `tail -c ${n}`),
  count.map((n) => `tail -c +${n}`),
  count.map((n) => `tail -${n}`),
);

export const wc = fc.oneof(flagBundle('lwmc').map((f) => `wc ${f}`), fc.constantFrom('wc --lines', 'wc --words --bytes', 'wc --chars'));

const TR_SETS = ['a-z', 'A-Z', '[:alpha:]', '[:digit:]', '[:space:]', '[:upper:]', '[:lower:]', '[:punct:]', '[:alnum:]', '[:blank:]', 'abc', '\\n', '\\t', ':. ', 'a', '0-9', 'xy[=a=]', '\\141b', 'A-Za-z'];
const trSet = fc.constantFrom(...TR_SETS).map(q);

export const tr = fc.oneof(
  fc.tuple(fc.constantFrom('', '-s', '-t', '-c', '-C', '-cs', '-ts'), trSet, trSet).map(([f, a, b]) => `tr ${f} ${a} ${b}`),
  fc.tuple(fc.constantFrom('-d', '-s', '-cd', '-cs', '-Cd'), trSet).map(([f, a]) => `tr ${f} ${a}`),
  fc.tuple(trSet, trSet).map(([a, b]) => `tr -ds ${a} ${b}`),
  fc.tuple(trSet, fc.constantFrom("'[x*]'", "'[x*2]y'", "'xy[z*]'")).map(([a, b]) => `tr ${a} ${b}`),
);

const position = fc.integer({ min: 1, max: 5 });
const listItem = fc.oneof(position.map(String), fc.tuple(position, position).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`), position.map((n) => `${n}-`), position.map((n) => `-${n}`));
const list = fc.array(listItem, { minLength: 1, maxLength: 3 }).map((l) => l.join(','));
const delimiter = fc.constantFrom(':', ',', ' ', 'a', '.');

export const cut = fc.oneof(
  fc.tuple(fc.constantFrom('-b', '-c', '--bytes=', '--characters='), list, fc.boolean(), fc.option(delimiter)).map(([m, l, c, od]) => `cut ${m.endsWith('=') ? m + l : `${m} ${l}`}${c ? ' --complement' : ''}${od === null ? '' : ` --output-delimiter=${q(od)}`}`),
  fc.tuple(list, fc.option(delimiter), fc.boolean(), fc.boolean(), fc.option(delimiter)).map(([l, d, s, c, od]) => `cut -f ${l}${d === null ? '' : ` -d ${q(d)}`}${s ? ' -s' : ''}${c ? ' --complement' : ''}${od === null ? '' : ` --output-delimiter=${q(od)}`}`),
);

export const uniq = fc
  .tuple(flagBundle('cdui', 2), fc.option(fc.integer({ min: 0, max: 2 })), fc.option(fc.integer({ min: 0, max: 3 })), fc.option(fc.integer({ min: 0, max: 4 })))
  .map(([f, fields, skip, check]) => `uniq ${f}${fields === null ? '' : ` -f ${fields}`}${skip === null ? '' : ` -s ${skip}`}${check === null ? '' : ` -w ${check}`}`);

const keyField = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.option(fc.integer({ min: 1, max: 3 }))).map(([f, c]) => (c === null ? String(f) : `${f}.${c}`));
const keyOpts = fc.subarray(['b', 'd', 'f', 'i', 'n', 'r'], { maxLength: 2 }).map((o) => o.join(''));
const sortKey = fc.tuple(keyField, keyOpts, fc.option(fc.tuple(keyField, keyOpts))).map(([s, o, e]) => `-k ${s}${o}${e === null ? '' : `,${e[0]}${e[1]}`}`);

export const sort = fc
  .tuple(flagBundle('bdfinrsu', 3), fc.option(fc.constantFrom(':', ' ', ',')), fc.array(sortKey, { maxLength: 2 }))
  .map(([f, t, keys]) => `sort ${f}${t === null ? '' : ` -t ${q(t)}`} ${keys.join(' ')}`);

const grepPattern = fc.oneof(
  regex('bre', true).map((p) => ({ flag: '', p })),
  regex('ere', true).map((p) => ({ flag: '-E', p })),
  fc.constantFrom('a', 'fo', '.', '1', 'a b', '[').map((p) => ({ flag: '-F', p })),
);

export const grep = fc
  .tuple(grepPattern, flagBundle('ivcownxsabhH', 3), fc.option(fc.integer({ min: 0, max: 3 })), fc.option(fc.constantFrom('a', 'b', '1')))
  .map(([{ flag, p }, f, m, extra]) => `grep ${flag} ${f}${m === null ? '' : ` -m ${m}`} ${extra === null ? q(p) : `-e ${q(p)} -e ${extra}`}`);

export const grepQuiet = fc.tuple(regex('ere', true), fc.boolean()).map(([p, v]) => `grep -Eq${v ? 'v' : ''} ${q(p)}`);

const sedRepl = fc.constantFrom('X', '&', '<&>', '', '-', '\\n', 'a\\&b');
function sedCommand(dialect: Dialect): fc.Arbitrary<string> {
  const address = fc.oneof(
    fc.integer({ min: 1, max: 6 }).map(String),
    fc.constant('$'),
    regex(dialect, true).map((r) => `/${r.replace(/\//g, '\\/')}/`),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b]) => `${a}~${b}`),
  );
  const range = fc.oneof(
    fc.constant(''),
    address,
    fc.tuple(address, address).map(([a, b]) => `${a},${b}`),
    fc.tuple(address, fc.integer({ min: 0, max: 3 })).map(([a, n]) => `${a},+${n}`),
  );
  const subst = fc.tuple(regex(dialect, true), sedRepl, fc.subarray(['g', 'p', 'I', '2'], { maxLength: 2 })).map(([r, repl, flags]) => {
    const groups = dialect === 'ere' ? r.includes('(') : r.includes('\\(');
    return `s/${r.replace(/\//g, '\\/')}/${groups && repl === 'X' ? '\\1' : repl}/${flags.join('')}`;
  });
  const simple = fc.oneof(subst, fc.constantFrom('p', 'd', 'q', 'q3', 'Q', '=', 'h', 'H', 'g', 'G', 'x', 'y/ab/ba/', 'y/a\\nb/xyz/'));
  return fc.tuple(range, fc.boolean(), fc.oneof(simple, simple, fc.tuple(simple, simple).map(([a, b]) => `{${a};${b}}`))).map(([a, neg, c]) => `${a}${a !== '' && neg ? '!' : ''}${c}`);
}

export const sed = fc.oneof(
  fc.tuple(fc.boolean(), fc.array(sedCommand('bre'), { minLength: 1, maxLength: 3 })).map(([n, cmds]) => `sed ${n ? '-n ' : ''}${q(cmds.join('\n'))}`),
  fc.tuple(fc.boolean(), fc.array(sedCommand('ere'), { minLength: 1, maxLength: 3 })).map(([n, cmds]) => `sed -E ${n ? '-n ' : ''}${cmds.map((c) => `-e ${q(c)}`).join(' ')}`),
);
