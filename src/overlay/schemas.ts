// Body schemas of the ring's own operations (service 'chord'). Every body is checked against its
// schema on receipt, requests and replies alike, before any handler reads it.
import { Type, type Static } from '@sinclair/typebox';
import { KeyHexSchema, PeerIdHex } from '../core/envelope.js';
import { FINGER_SLOTS, FINGER_WALK_MAX, MAX_FINGER_HINTS } from './constants.js';

/** Successor lists on the wire are capped well above any sane successorListSize. */
const MAX_WIRE_SUCCESSORS = 32;
const PeerList = (max: number) => Type.Array(PeerIdHex, { maxItems: max });

/** Versions of a successor list count its changes; they wrap long before anyone could notice. */
const ListVersion = Type.Integer({ minimum: 0, maximum: 0xffffffff });

/** Base stabilize periods between a peer's rounds, as it backs off (see STABILIZE_MAX_INTERVAL_MS). */
export const MAX_STABILIZE_EVERY = 64;

/**
 * 'stabilize' request: notify=true also says "I believe I am your predecessor"; v is the version
 * of the answering peer's successor list we hold, so that an unchanged list is not sent again;
 * every is how many of its base periods the sender will wait before its next round (1 if absent),
 * so that its successor knows how long a silence to expect.
 */
export const StabilizeReq = Type.Object(
  { notify: Type.Boolean(), v: Type.Optional(ListVersion), every: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STABILIZE_EVERY })) },
  { additionalProperties: false },
);
export type StabilizeReq = Static<typeof StabilizeReq>;

/** 'stabilize' reply: the answering peer's predecessor, and its successor list unless unchanged. */
export const StabilizeRep = Type.Object(
  {
    pred: Type.Union([PeerIdHex, Type.Null()]),
    v: ListVersion,
    succs: Type.Optional(PeerList(MAX_WIRE_SUCCESSORS)),
    /** The answering peer had room for one more finger link (the room hint, see fingers/answer.ts). */
    room: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
export type StabilizeRep = Static<typeof StabilizeRep>;

/** 'find-succ' request, routed to a key: fingers=true (a joiner's) asks the owner for its predecessor too. */
export const FindSuccReq = Type.Object({ fingers: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
export type FindSuccReq = Static<typeof FindSuccReq>;

/**
 * 'find-succ' reply from the owner: itself, its successors, the hops the request took; for a
 * join also its predecessor (the joiner's own predecessor-to-be); `fingers` (hints, sent by
 * peers of earlier versions) is accepted and ignored.
 */
export const FindSuccRep = Type.Object(
  {
    owner: PeerIdHex,
    succs: PeerList(MAX_WIRE_SUCCESSORS),
    hops: Type.Integer({ minimum: 0, maximum: 255 }),
    pred: Type.Optional(Type.Union([PeerIdHex, Type.Null()])),
    fingers: Type.Optional(PeerList(MAX_FINGER_HINTS)),
  },
  { additionalProperties: false },
);
export type FindSuccRep = Static<typeof FindSuccRep>;

/**
 * 'join' request to a bootstrap peer: "look up my successor for me", since I am not routable yet.
 * relocate=true comes from a member checking its place: the lookup must not take the asker as a
 * hop, or a peer that only its own neighbours know would be told it is where it should be.
 */
export const JoinReq = Type.Object({ relocate: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
/** 'join' reply: what the bootstrap's find-succ returned. */
export const JoinRep = FindSuccRep;
/**
 * 'join' answered without a successor: the bootstrap is not in place itself (it is joining too),
 * or its lookup found no route. A joiner moves on at once instead of waiting out its attempts.
 */
export const JoinRefusal = Type.Object(
  { refused: Type.Union([Type.Literal('not-in-place'), Type.Literal('no-route')]) },
  { additionalProperties: false },
);
export type JoinRefusal = Static<typeof JoinRefusal>;

/** 'leave' notice to the predecessor and successor: who to link up with instead of me. */
export const LeaveMsg = Type.Object(
  { pred: Type.Union([PeerIdHex, Type.Null()]), succs: PeerList(MAX_WIRE_SUCCESSORS) },
  { additionalProperties: false },
);
export type LeaveMsg = Static<typeof LeaveMsg>;

/** 'hint' from a successor that took a new predecessor: "stabilize now, someone joined between us". */
export const HintMsg = Type.Object({ succ: PeerIdHex }, { additionalProperties: false });
export type HintMsg = Static<typeof HintMsg>;

/**
 * 'find-finger', routed to the start of a finger interval [start, end): the owner of start answers
 * if it has room for one more link, else passes the request on to its successor, at most
 * FINGER_WALK_MAX times and never past end.
 */
export const FindFingerReq = Type.Object(
  { start: KeyHexSchema, end: KeyHexSchema, walk: Type.Integer({ minimum: 0, maximum: FINGER_WALK_MAX }) },
  { additionalProperties: false },
);
export type FindFingerReq = Static<typeof FindFingerReq>;

/**
 * 'find-finger' reply: a peer of the interval that will accept our link, or null. `taken`: the
 * peer linked to us and already counts the link as our finger (no 'use' needed; if we do not
 * take it after all, we release the link).
 */
export const FindFingerRep = Type.Object(
  { peer: Type.Union([PeerIdHex, Type.Null()]), taken: Type.Optional(Type.Literal(true)) },
  { additionalProperties: false },
);
export type FindFingerRep = Static<typeof FindFingerRep>;

/** Roles a peer gives its link to us, declared in 'use' (bit flags). */
/**
 * Roles a link is given. `attached`: the sender stands beside the ring (an attached peer, see
 * attach.ts) and reaches the ring through us: we keep the link and deliver its replies over it,
 * but never route through it, since it owns no keys.
 */
export const UseRole = { successor: 1, finger: 2, attached: 4 } as const;

/**
 * 'use' over a link: the roles the sender gives it now; refuse=true turns down a finger role, and
 * alt names the refuser's successor, the next candidate for the same finger interval;
 * release=true says the sender has stopped sending on the link and asks us to close it if we do
 * not need it either (the receiver closes, so no frame is in flight towards a closed end).
 */
export const UseMsg = Type.Object(
  {
    roles: Type.Integer({ minimum: 0, maximum: 7 }),
    refuse: Type.Optional(Type.Boolean()),
    alt: Type.Optional(PeerIdHex),
    release: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UseMsg = Static<typeof UseMsg>;

/** 'ping' and its reply carry nothing. */
export const PingMsg = Type.Object({}, { additionalProperties: false });

/** Finger slot numbers are bounded by the id length. */
export const FingerSlot = Type.Integer({ minimum: 0, maximum: FINGER_SLOTS - 1 });
