// The word count of the jobs issue as a JavaScript task module: the same result as the builtin
// pipelines `tr -cs A-Za-z '\n' | tr A-Z a-z | sort | uniq -c` (map) and `awk '{c[$2]+=$1} END
// {for (w in c) print c[w], w}' | sort -rn | head -20` (reduce) in the C locale. The map writes
// `word<TAB>count` lines, so a reduce of several reducers partitions them by word.
//
// A task module is a script run in a sandbox (an SES compartment: no host objects): it sets
// `exports.map` and/or `exports.reduce`, each called with the task's `io` (see docs/jobs.md).

function add(counts, w, n) {
  counts.set(w, (counts.get(w) ?? 0) + n);
}

exports.map = async function map(io) {
  const counts = new Map();
  let carry = '';
  for await (const text of io.text()) {
    // A word is a run of A-Z and a-z (a non-ASCII character is a separator, as for tr in the C
    // locale). A scan rather than split(/[^A-Za-z]+/): in a locked-down realm V8 leaves its fast
    // path for split with a RegExp, which makes it about 15 times slower.
    let start = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i) | 32;
      if (c >= 97 && c <= 122) {
        if (start < 0) start = i;
      } else if (start >= 0) {
        add(counts, (carry + text.slice(start, i)).toLowerCase(), 1);
        carry = '';
        start = -1;
      } else if (carry !== '') {
        add(counts, carry.toLowerCase(), 1);
        carry = '';
      }
    }
    carry += start >= 0 ? text.slice(start) : '';
  }
  if (carry !== '') add(counts, carry.toLowerCase(), 1);
  let out = '';
  for (const [w, n] of counts) {
    out += `${w}\t${n}\n`;
    if (out.length >= 65536) {
      await io.write(out);
      out = '';
    }
  }
  if (out !== '') await io.write(out);
  return 0;
};

exports.reduce = async function reduce(io) {
  const counts = new Map();
  for await (const line of io.lines()) {
    const tab = line.indexOf('\t');
    if (tab > 0) add(counts, line.slice(0, tab), Number(line.slice(tab + 1)));
  }
  // sort -rn: by count, largest first; ties by the whole line's bytes, largest first.
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)).slice(0, 20);
  await io.write(top.map(([w, n]) => `${n} ${w}\n`).join(''));
  return 0;
};
