// The word count of the jobs issue as a WASI command, in AssemblyScript (built from this source by
// the bench and the tests with the assemblyscript compiler from npm; see src/bench/wasm-build.ts).
// `wordcount map` reads text on stdin and writes `word<TAB>count` lines, a word being a run of
// A-Z and a-z, lowercased (tr -cs A-Za-z '\n' | tr A-Z a-z in the C locale); `wordcount reduce`
// sums such lines and writes the 20 largest counts as `count word`, ordered as sort -rn orders
// them (count, then the line's bytes, largest first). It talks to the world through WASI only.
import { fd_read, fd_write, argv1, proc_exit } from "./wasi";

const CHUNK: u32 = 65536;
const iov = heap.alloc(16);

// The table: open addressing over parallel arrays; words live in an arena.
let cap: u32 = 1 << 14;
let used: u32 = 0;
let hashes = heap.alloc(cap << 2);
let offs = heap.alloc(cap << 2);
let lens = heap.alloc(cap << 2);
let counts = heap.alloc(cap << 3);
let arena = heap.alloc(1 << 16);
let arenaCap: u32 = 1 << 16;
let arenaUsed: u32 = 0;
// The word being read (it may span chunks).
let word = heap.alloc(256);
let wordCap: u32 = 256;
let wordLen: u32 = 0;
let out = heap.alloc(CHUNK);
let outLen: u32 = 0;

function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  proc_exit(134);
}

function fnv(p: usize, n: u32): u32 {
  let h: u32 = 2166136261;
  for (let i: u32 = 0; i < n; i++) h = (h ^ load<u8>(p + i)) * 16777619;
  return h | 1;
}

function grow(): void {
  const oldCap = cap, oh = hashes, oo = offs, ol = lens, oc = counts;
  cap <<= 1;
  hashes = heap.alloc(cap << 2); memory.fill(hashes, 0, cap << 2);
  offs = heap.alloc(cap << 2); lens = heap.alloc(cap << 2); counts = heap.alloc(cap << 3);
  for (let i: u32 = 0; i < oldCap; i++) {
    const h = load<u32>(oh + (i << 2));
    if (h == 0) continue;
    let j = h & (cap - 1);
    while (load<u32>(hashes + (j << 2)) != 0) j = (j + 1) & (cap - 1);
    store<u32>(hashes + (j << 2), h);
    store<u32>(offs + (j << 2), load<u32>(oo + (i << 2)));
    store<u32>(lens + (j << 2), load<u32>(ol + (i << 2)));
    store<u64>(counts + (j << 3), load<u64>(oc + (i << 3)));
  }
  heap.free(oh); heap.free(oo); heap.free(ol); heap.free(oc);
}

function add(p: usize, n: u32, k: u64): void {
  const h = fnv(p, n);
  let j = h & (cap - 1);
  while (true) {
    const hj = load<u32>(hashes + (j << 2));
    if (hj == 0) break;
    if (hj == h && load<u32>(lens + (j << 2)) == n && memory.compare(arena + load<u32>(offs + (j << 2)), p, n) == 0) {
      store<u64>(counts + (j << 3), load<u64>(counts + (j << 3)) + k);
      return;
    }
    j = (j + 1) & (cap - 1);
  }
  if (arenaUsed + n > arenaCap) {
    while (arenaUsed + n > arenaCap) arenaCap <<= 1;
    arena = heap.realloc(arena, arenaCap);
  }
  memory.copy(arena + arenaUsed, p, n);
  store<u32>(hashes + (j << 2), h);
  store<u32>(offs + (j << 2), arenaUsed);
  store<u32>(lens + (j << 2), n);
  store<u64>(counts + (j << 3), k);
  arenaUsed += n;
  if (++used * 2 > cap) grow();
}

function pushByte(c: u8): void {
  if (wordLen == wordCap) { wordCap <<= 1; word = heap.realloc(word, wordCap); }
  store<u8>(word + wordLen++, c);
}

function flush(): void {
  store<u32>(iov, out); store<u32>(iov, outLen, 4);
  fd_write(1, iov, 1, iov + 8);
  outLen = 0;
}

function emit(p: usize, n: u32): void {
  for (let i: u32 = 0; i < n; i++) {
    if (outLen == CHUNK) flush();
    store<u8>(out + outLen++, load<u8>(p + i));
  }
}

function emitNumber(v: u64): void {
  const s = String.UTF8.encode(v.toString());
  emit(changetype<usize>(s), s.byteLength);
}

function readChunk(buf: usize): u32 {
  store<u32>(iov, buf); store<u32>(iov, CHUNK, 4);
  if (fd_read(0, iov, 1, iov + 8) != 0) proc_exit(74);
  return load<u32>(iov + 8);
}

function map(): void {
  const buf = heap.alloc(CHUNK);
  for (let n = readChunk(buf); n > 0; n = readChunk(buf)) {
    for (let i: u32 = 0; i < n; i++) {
      const c = load<u8>(buf + i) | 32;
      if (c >= 97 && c <= 122) pushByte(c);
      else if (wordLen > 0) { add(word, wordLen, 1); wordLen = 0; }
    }
  }
  if (wordLen > 0) add(word, wordLen, 1);
  for (let j: u32 = 0; j < cap; j++) {
    if (load<u32>(hashes + (j << 2)) == 0) continue;
    emit(arena + load<u32>(offs + (j << 2)), load<u32>(lens + (j << 2)));
    emit(changetype<usize>(String.UTF8.encode("\t")), 1);
    emitNumber(load<u64>(counts + (j << 3)));
    emit(changetype<usize>(String.UTF8.encode("\n")), 1);
  }
}

/** A line `word<TAB>count` (the line is in `word`). */
function addLine(): void {
  let tab: u32 = 0;
  while (tab < wordLen && load<u8>(word + tab) != 9) tab++;
  if (tab == 0 || tab == wordLen) return;
  let k: u64 = 0;
  for (let i = tab + 1; i < wordLen; i++) k = k * 10 + (load<u8>(word + i) - 48);
  add(word, tab, k);
}

/** Is entry a before entry b in sort -rn order (count, then the word's bytes, largest first)? */
function before(a: u32, b: u32): bool {
  const ca = load<u64>(counts + (a << 3)), cb = load<u64>(counts + (b << 3));
  if (ca != cb) return ca > cb;
  const la = load<u32>(lens + (a << 2)), lb = load<u32>(lens + (b << 2));
  const c = memory.compare(arena + load<u32>(offs + (a << 2)), arena + load<u32>(offs + (b << 2)), la < lb ? la : lb);
  return c != 0 ? c > 0 : la > lb;
}

function reduce(): void {
  const buf = heap.alloc(CHUNK);
  for (let n = readChunk(buf); n > 0; n = readChunk(buf)) {
    for (let i: u32 = 0; i < n; i++) {
      const c = load<u8>(buf + i);
      if (c == 10) { addLine(); wordLen = 0; } else pushByte(c);
    }
  }
  if (wordLen > 0) addLine();
  // The 20 first in order, by insertion into a short sorted list.
  const top = new StaticArray<u32>(21);
  let k = 0;
  for (let j: u32 = 0; j < cap; j++) {
    if (load<u32>(hashes + (j << 2)) == 0) continue;
    let at = k;
    while (at > 0 && before(j, top[at - 1])) { top[at] = top[at - 1]; at--; }
    if (at < 20) { top[at] = j; if (k < 20) k++; }
  }
  for (let i = 0; i < k; i++) {
    const j = top[i];
    emitNumber(load<u64>(counts + (j << 3)));
    emit(changetype<usize>(String.UTF8.encode(" ")), 1);
    emit(arena + load<u32>(offs + (j << 2)), load<u32>(lens + (j << 2)));
    emit(changetype<usize>(String.UTF8.encode("\n")), 1);
  }
}

export function _start(): void {
  memory.fill(hashes, 0, cap << 2);
  const m = argv1();
  if (m == "map") map();
  else if (m == "reduce") reduce();
  else {
    const msg = String.UTF8.encode("usage: wordcount map|reduce\n");
    store<u32>(iov, changetype<usize>(msg)); store<u32>(iov, msg.byteLength, 4);
    fd_write(2, iov, 1, iov + 8);
    proc_exit(2);
  }
  if (outLen > 0) flush();
}
