// A minimal TURN client (RFC 5766 over RFC 5389 STUN, long-term credentials) that asks a relay
// for an allocation and then for permissions to reach given peers, and reports the answer codes.
// The lab's tests run it inside a namespace (`node turn-probe.js '<json>'`) to show what coturn
// does with a credential the rendezvous server issued, a forged one, an expired one, and a
// request to relay outside the lab. Every answer is parsed with its lengths checked.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';

const MAGIC = 0x2112a442;
const T = { allocate: 0x0003, createPermission: 0x0008 } as const;
const A = { username: 0x0006, integrity: 0x0008, errorCode: 0x0009, peer: 0x0012, realm: 0x0014, nonce: 0x0015, transport: 0x0019 } as const;
/** How long to wait for each answer. */
const ANSWER_TIMEOUT_MS = 3000;

export interface ProbeRequest {
  server: string;
  port: number;
  username: string;
  credential: string;
  /** Addresses to ask permission for, once allocated. */
  peers: string[];
}

export interface ProbeResult {
  /** 200 on success, else the STUN error code (401 unauthenticated, 403 forbidden, …). */
  allocate: number;
  /** One code per requested peer, in order (absent when the allocation failed). */
  permissions: number[];
}

type Attr = [type: number, value: Buffer];

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const h = Buffer.alloc(4);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(value.length, 2);
  return Buffer.concat([h, value, Buffer.alloc(pad)]);
}

/** A request with its attributes, and MESSAGE-INTEGRITY last when a key is given. */
function message(type: number, attrs: Buffer[], key: Buffer | null): Buffer {
  const body = Buffer.concat(attrs);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  head.writeUInt32BE(MAGIC, 4);
  randomBytes(12).copy(head, 8);
  const msg = Buffer.concat([head, body]);
  if (!key) return msg;
  return Buffer.concat([msg, attr(A.integrity, createHmac('sha1', key).update(msg).digest())]);
}

/** The class-and-number error code of an answer, 200 for a success, null for garbage. */
function parse(buf: Buffer): { code: number; attrs: Attr[] } | null {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC || buf.readUInt16BE(2) + 20 !== buf.length) return null;
  const type = buf.readUInt16BE(0);
  const attrs: Attr[] = [];
  for (let o = 20; o + 4 <= buf.length;) {
    const len = buf.readUInt16BE(o + 2);
    if (o + 4 + len > buf.length) return null;
    attrs.push([buf.readUInt16BE(o), buf.subarray(o + 4, o + 4 + len)]);
    o += 4 + len + ((4 - (len % 4)) % 4);
  }
  const isError = (type & 0x0110) === 0x0110;
  if (!isError) return { code: 200, attrs };
  const e = attrs.find(([t]) => t === A.errorCode)?.[1];
  return { code: e && e.length >= 4 ? e[2]! * 100 + e[3]! : 0, attrs };
}

function xorPeer(ip: string): Buffer {
  const b = Buffer.alloc(8);
  b[1] = 0x01;
  b.writeUInt16BE(0x2112 ^ 9, 2);
  const n = ip.split('.').reduce((acc, x) => ((acc << 8) | Number(x)) >>> 0, 0);
  b.writeUInt32BE((n ^ MAGIC) >>> 0, 4);
  return b;
}

export async function probeTurn(req: ProbeRequest): Promise<ProbeResult> {
  const sock = createSocket('udp4');
  const ask = (msg: Buffer) => new Promise<ReturnType<typeof parse>>((resolve) => {
    const timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS);
    sock.once('message', (m) => {
      clearTimeout(timer);
      resolve(parse(m));
    });
    sock.send(msg, req.port, req.server);
  });
  try {
    const transport = attr(A.transport, Buffer.from([17, 0, 0, 0]));
    const first = await ask(message(T.allocate, [transport], null));
    if (!first || first.code !== 401) return { allocate: first?.code ?? 0, permissions: [] };
    const realm = first.attrs.find(([t]) => t === A.realm)?.[1] ?? Buffer.alloc(0);
    const nonce = first.attrs.find(([t]) => t === A.nonce)?.[1] ?? Buffer.alloc(0);
    const key = createHash('md5').update(`${req.username}:${realm.toString()}:${req.credential}`).digest();
    const auth = [attr(A.username, Buffer.from(req.username)), attr(A.realm, realm), attr(A.nonce, nonce)];
    const alloc = await ask(message(T.allocate, [transport, ...auth], key));
    const allocate = alloc?.code ?? 0;
    if (allocate !== 200) return { allocate, permissions: [] };
    const permissions: number[] = [];
    for (const p of req.peers) permissions.push((await ask(message(T.createPermission, [attr(A.peer, xorPeer(p)), ...auth], key)))?.code ?? 0);
    return { allocate, permissions };
  } finally {
    sock.close();
  }
}

// Run as a script inside a lab namespace: one JSON request as the argument, one JSON line out.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  probeTurn(JSON.parse(process.argv[2] ?? '{}') as ProbeRequest).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => {
      process.stderr.write(`turn-probe: ${String(e)}\n`);
      process.exit(1);
    },
  );
}
