// fast-check generators of awk programs for the differential test: expressions of every operator
// and builtin, statements of every kind, patterns and ranges, BEGIN and END, -F and -v. Bodies of
// for-in loops only sum and count, because POSIX leaves the visiting order unspecified (and this
// awk's differs from gawk's); a separate property prints a for-in's lines through sort.
import fc from 'fast-check';
import { q, regex } from './gen.js';

const NUMERIC = ['$1', '$2', '$NF', 'NF', 'NR', 'x', 'n', '1', '0', '2.5', '-3', '1e3', 'length($0)', 'length', 'c[$1]', '$1+0', '"10"', '(NR % 4)'];
const STRINGS = ['$0', '$1', '$3', '"a"', '""', '"10"', '" 1.5 "', 's', 'substr($0, 2, 3)', 'toupper($1)', 'tolower($0)', 'a["k"]'];

const re = regex('ere').map((r) => `/${r}/`);

function expr(depth: number): fc.Arbitrary<string> {
  const leaf = fc.constantFrom(...NUMERIC, ...STRINGS);
  if (depth <= 0) return leaf;
  const e = expr(depth - 1);
  const binary = (ops: string[]) => fc.tuple(e, fc.constantFrom(...ops), e).map(([a, op, b]) => `(${a} ${op} ${b})`);
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: binary(['+', '-', '*', '<', '<=', '==', '!=', '>', '>=', '&&', '||', '']) },
    { weight: 1, arbitrary: e.map((a) => `(${a} / 4)`) },
    { weight: 1, arbitrary: fc.tuple(e, fc.constantFrom('% 3', '^ 2', '^ -1', '^ 0.5')).map(([a, op]) => `(${a} ${op})`) },
    { weight: 1, arbitrary: fc.tuple(e, fc.constantFrom('~', '!~'), fc.oneof(re, e)).map(([a, op, r]) => `(${a} ${op} ${r})`) },
    { weight: 1, arbitrary: fc.tuple(e, e, e).map(([a, b, c]) => `(${a} ? ${b} : ${c})`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('!', '-', '+'), e).map(([op, a]) => `${op}${a}`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('index(#, #)', 'substr(#, #)', 'substr(#, #, #)', 'length(#)', 'int(#)', 'toupper(#)', 'tolower(#)', 'sprintf("%d:%s", #, #)', 'sprintf("%.3g", #)', 'split(#, arr)', 'split(#, arr, ":")', 'split(#, arr, /[ab]/)', 'sin(#)', 'cos(#)', 'atan2(#, 2)', 'exp(# % 5)', 'log(NR + #*#)', 'sqrt(#*#)', 'match(#, /[a-z]+/)', 'x++', '++n', 'n--', '(x = #)', '(n += #)'), e, e, e).map(([f, a, b, c]) => f.replace('#', a).replace('#', b).replace('#', c)) },
  );
}

const FORMATS = ['%d', '%i', '%5d', '%-5d|', '%05.1f', '%.2f', '%e', '%.3e', '%g', '%G', '%x', '%X', '%o', '%c', '%s', '%10s|', '%-10s|', '%.2s', '%u', '%%', '%+d', '% d', '%#o', '%#x', '%*d'];

function stmt(depth: number): fc.Arbitrary<string> {
  const e = expr(2);
  const simple = fc.oneof(
    fc.array(e, { maxLength: 3 }).map((args) => `print ${args.join(', ')}`),
    fc.tuple(fc.array(fc.constantFrom(...FORMATS), { minLength: 1, maxLength: 2 }), e, e, e).map(([f, a, b, c]) => `printf "${f.join(' ')}\\n", ${a}, ${b}, ${c}`),
    e.map((a) => `x = ${a}`),
    e.map((a) => `n += ${a}`),
    e.map((a) => `s = s ${a}`),
    e.map((a) => `c[${a}]++`),
    e.map((a) => `a[$1] = ${a}`),
    // A subscript that creates an element of another array trips a gawk bug (a fatal error), so delete's are plain.
    fc.constantFrom('$1', 'NR % 3', '"10"', 'x', '$1 + 0').map((a) => `delete c[${a}]`),
    fc.constantFrom('delete c', 'NF = 2', '$3 = "z"', '$0 = "p q r"', '$5 = "w"', 'next', 'print; next', 'print (1, 2) in c', 'if (($1, $2) in c) print "in"'),
    fc.tuple(re, fc.constantFrom('"X"', '"[&]"', '"\\\\&"', '""'), fc.constantFrom('', ', $2', ', s', ', a["k"]')).map(([r, repl, target]) => `${r === '//' ? 'sub' : 'gsub'}(${r}, ${repl}${target})`),
    fc.tuple(re, fc.constantFrom('"-"', '"<&>"')).map(([r, repl]) => `sub(${r}, ${repl})`),
  );
  if (depth <= 0) return simple;
  const inner = stmt(depth - 1);
  const block = fc.array(inner, { minLength: 1, maxLength: 3 }).map((b) => `{ ${b.join('; ')} }`);
  return fc.oneof(
    { weight: 4, arbitrary: simple },
    { weight: 1, arbitrary: fc.tuple(e, block).map(([c, b]) => `if (${c}) ${b}`) },
    { weight: 1, arbitrary: fc.tuple(e, block, block).map(([c, b, d]) => `if (${c}) ${b} else ${d}`) },
    // Each depth has loop variables of its own, so that nested loops cannot undo each other's counting.
    { weight: 1, arbitrary: block.map((b) => `for (i${depth} = 1; i${depth} <= NF; i${depth}++) ${b}`) },
    { weight: 1, arbitrary: block.map((b) => `j${depth} = 0; while (j${depth}++ < 3) ${b}`) },
    { weight: 1, arbitrary: block.map((b) => `k${depth} = 0; do ${b} while (k${depth}++ < 2)`) },
    { weight: 1, arbitrary: fc.tuple(e, block).map(([c, b]) => `for (p${depth} = 0; p${depth} < 5; p${depth}++) { if (${c}) break; if (p${depth} == 2) continue; ${b.slice(2, -2)} }`) },
    { weight: 1, arbitrary: fc.constantFrom('for (key in c) { t += c[key]; m++ }', 'for (key in arr) { m++; t = t + length(arr[key]) }') },
    { weight: 1, arbitrary: e.map((c) => `if (${c}) exit NR % 3`) },
  );
}

const pattern = fc.oneof(
  fc.constant(''),
  expr(1),
  re,
  fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 })).map(([a, b]) => `NR == ${a}, NR == ${b}`),
  fc.tuple(re, re).map(([a, b]) => `${a}, ${b}`),
);

const rule = fc.oneof(
  fc.tuple(pattern, fc.array(stmt(1), { minLength: 1, maxLength: 3 })).map(([p, body]) => `${p} { ${body.join('; ')} }`),
  expr(1).map((p) => p),
);

const begin = fc.constantFrom('', 'BEGIN { OFS = "-" }', 'BEGIN { FS = ":" }', 'BEGIN { FS = "[ :]+" }', 'BEGIN { RS = "" }', 'BEGIN { ORS = "|\\n"; x = 3 }', 'BEGIN { CONVFMT = "%.2g"; OFMT = "%.3f" }', 'BEGIN { printf "start\\n"; n = "3x" }', 'BEGIN { SUBSEP = ":" }');
const end = fc.oneof(fc.constant(''), fc.array(stmt(1), { minLength: 1, maxLength: 3 }).map((b) => `END { ${b.join('; ')}; print NR, x, n, s, t, m, $0 }`));
const options = fc.constantFrom('', "-F ':'", "-F ','", "-F '[0-9]'", "-F '\\t'", '-v x=5', "-v 's=a\\tb'", "-v n=' 2 '", '-F a -v x=1e2');

/** An awk command line: options and a program of BEGIN, rules and END. */
export const awkCommand = fc
  .tuple(options, begin, fc.array(rule, { minLength: 0, maxLength: 3 }), end)
  .map(([o, b, rules, e]) => `awk ${o} ${q([b, ...rules, e].filter((x) => x !== '').join('\n') || 'END { print NR }')}`);

/** A for-in over an array the input filled, its lines sorted (their order is unspecified). */
export const awkForIn = fc
  .tuple(fc.constantFrom('c[$1]++', 'c[$NF] = c[$NF] $1', 'c[NR % 3, $1] += 1', 'for (i = 1; i <= NF; i++) c[$i]++', 'split($0, arr); for (k in arr) c[arr[k]]'), fc.constantFrom('print k, c[k]', 'if (c[k] > 1) print k', 'print length(k), k'))
  .map(([fill, body]) => `awk ${q(`{ ${fill} } END { for (k in c) ${body} }`)} | sort`);
