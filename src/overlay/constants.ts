// Every tunable of the overlay, with its unit and the reason for its default value.
import { ID_BITS } from '../core/id.js';

/** How often a peer asks its successor for its predecessor and notifies it: the pace of repair. */
export const STABILIZE_INTERVAL_MS = 1000;
/**
 * The longest pause between stabilize rounds. Each round that changes nothing doubles the pause,
 * from STABILIZE_INTERVAL_MS up to this; any change near us (a new successor or predecessor, a
 * link down, a request timed out, a notify from a new peer, a hint) brings it back to the base at
 * once. A settled ring then sends an eighth of the stabilize traffic, while repair after a crash
 * or a join starts at the base pace. Set it to STABILIZE_INTERVAL_MS to turn the back-off off.
 */
export const STABILIZE_MAX_INTERVAL_MS = 8000;
/** How often an empty finger slot is searched for; a full table costs nothing until a finger fails. */
export const FIX_FINGERS_INTERVAL_MS = 1000;
/** How often the predecessor is checked; silence for PRED_SILENCE_PERIODS periods prompts a ping. */
export const CHECK_PREDECESSOR_INTERVAL_MS = 1000;
/**
 * A predecessor that has not stabilized with us for this many of its own periods (it names its
 * current pause in each stabilize, see STABILIZE_MAX_INTERVAL_MS), and at least this many of our
 * base periods, gets a ping.
 */
export const PRED_SILENCE_PERIODS = 3;
/** Successors remembered: r = 8 survives any 7 simultaneous failures next to a peer. */
export const SUCCESSOR_LIST_SIZE = 8;
/** Open links per peer, shared by both rings: a browser tab must stay far below Chrome's 500. */
export const MAX_LINKS = 32;
/** A request not answered in this time fails; several network round trips of headroom. */
export const REQUEST_TIMEOUT_MS = 2000;
/** Requests in flight per ring; a peer that cannot keep up refuses rather than grows. */
export const MAX_PENDING_REQUESTS = 1024;
/** Default time to live of a routed message: far above log2 of any ring we will see. */
export const DEFAULT_TTL = 64;
/**
 * Remembered (source, message id) pairs of delivered key messages, for duplicate suppression: a
 * redundant copy arrives within a round trip of the first, so a short memory is enough, and a
 * simulation holds one per peer.
 */
export const SEEN_CACHE_ENTRIES = 64;
/** Stabilize rounds chained at once when a closer successor is learned (join, repair). */
export const MAX_CHAINED_STABILIZE = 4;
/** A peer that closed our link (at its own link cap) is not asked again for this long. */
export const REFUSED_BACKOFF_MS = 30_000;
/** Peers remembered as having refused us; the oldest entry is forgotten first (at most ~32 links matter). */
export const REFUSED_CACHE_ENTRIES = 64;
/** A fresh link is shielded from eviction this long so a joining peer can notify its successor. */
export const LINK_GRACE_MS = 5000;
/**
 * A bootstrap keeps its link to a peer that joined through it at most this long, unless the
 * joiner releases it first (it does once its successor is linked, at its next sweep). Until then
 * that link is how answers to the joiner's offers reach it (services/signal relays them): a
 * lookup of up to two request timeouts, an offer retried through the server after the 5 s
 * connect timeout, and a sweep period fit within it.
 */
export const JOINER_HOLD_MS = 20_000;
/** Joiners a bootstrap holds links for at once; the oldest hold ends first. */
export const MAX_HELD_JOINERS = 8;
/**
 * Links kept free for short-lived needs (a joiner's bootstrap link, a new successor, a lost peer
 * probed again): a peer accepts other peers' finger links only while this many slots stay free.
 */
export const LINK_SLACK = 2;
/**
 * How far a finger search walks along successors past a peer at its link cap. Chord's finger k
 * may be any peer in [self + 2^k, self + 2^(k+1)); 16 steps stay inside that interval for all
 * but the lowest slots, which hold only a few peers.
 */
export const FINGER_WALK_MAX = 16;
/**
 * Refusals followed to the refuser's successor (its `alt`) per finger slot before the slot waits
 * for a routed search: each step costs a connection attempt, which on WebRTC means signaling, and
 * the successor of a peer at its link cap is often at its cap too. Off (0): at 2 steps the
 * simulator's evictions tripled at 10,000 peers (6,405 -> 18,438) and a few joins failed once, for
 * ~15% fewer frames; a browser tab has about 500 peer connections in its lifetime, so connection
 * attempts cost more than routed frames.
 */
export const FINGER_ALT_STEPS = 0;
/** A finger slot whose search found no peer with room is searched again after this long, … */
export const FINGER_RETRY_MS = 10_000;
/**
 * … and after twice as long for each further failure in a row, at most this many times (10 s to
 * 160 s): in a large ring many peers are at their link cap, and a search that walks past 16 full
 * peers costs some 40 frames. A slot emptied by a link going down is searched at once.
 */
export const FINGER_RETRY_DOUBLINGS = 4;
/** Connection attempts in flight per peer; more would only queue in the signaling layer. */
export const MAX_PENDING_CONNECTS = 16;
/** Undecodable frames tolerated from one peer before its link is closed. */
export const MAX_BAD_FRAMES_PER_PEER = 16;
/** Fingers suggested to a joining peer, copied from its successor's table. */
export const MAX_FINGER_HINTS = 40;
/** One finger slot per bit of the id space. */
export const FINGER_SLOTS = ID_BITS;
/** The service name under which the ring's own operations travel. */
export const CHORD_SVC = 'chord';
/**
 * Attempts to join through the bootstrap before giving up; each waits two request timeouts (the
 * bootstrap may need a second lookup). A ring in upheaval (thousands joining at once) can lose a
 * lookup or two; a joiner should not give up on it for that.
 */
export const JOIN_ATTEMPTS = 5;
/** Lookups of our place a bootstrap may fail (no reply, or no route) before we ask another contact. */
export const JOIN_LOOKUP_TRIES = 2;
/** Failed neighbours remembered so that rings split by a partition find each other after it heals. */
export const LOST_PEER_ENTRIES = 16;
/** A failed neighbour is forgotten after this long: a partition longer than that needs a new join. */
export const LOST_PEER_FORGET_MS = 10 * 60_000;
/**
 * Peers we were told of that may stand on another ring (meet.ts): a ring formed apart from ours
 * merges with it once one peer looks its own id up through a peer of the other. Few are needed
 * (one peer of the other ring is enough); the oldest is forgotten first.
 */
export const MEET_ENTRIES = 8;
/**
 * Periods before a met peer is asked again: after a failed try (no link, no answer, not in place
 * itself), and after an answer from another ring, to see that the merge went through.
 */
export const MEET_RETRY_PERIODS = 5;
/** Failed tries before a met peer is given up (it is forgotten after LOST_PEER_FORGET_MS anyway). */
export const MEET_TRIES = 6;
/**
 * Longest wait for the link to a met peer and its answer before the try counts as failed: longer
 * than a real link's two connection attempts (5 s each, see runtime/webrtc-net.ts) and a request.
 */
export const MEET_WAIT_MS = 15_000;
/**
 * A neighbour that failed this many stabilize periods ago or less is not taken back as successor
 * on the word of our successor's stabilize reply: its successor has not noticed the failure yet.
 * If it is alive after all, the lost-peer probe reaches it and takes it back.
 */
export const LOST_PEER_DOUBT_PERIODS = 3;
/**
 * Successors kept linked at all times; the rest of the list are ids, linked when they move up.
 * Each linked successor costs two links per peer (ours, and our predecessor's to us); two give an
 * instant fail-over and leave room for ~log2 N fingers within MAX_LINKS even at 100,000 peers.
 */
export const LINKED_SUCCESSORS = 2;
/**
 * A peer that has walked back along stabilize replies three steps in a row, or has had no
 * predecessor for PRED_SILENCE_PERIODS, looks its place up; at most once per this many periods.
 */
export const RELOCATE_COOLDOWN_PERIODS = 5;
/** A peer first checks its place by lookup this many stabilize periods after joining, … */
export const SELF_CHECK_FIRST_PERIODS = 30;
/** … then after twice as long each time, up to this many periods (a lookup in two minutes at 1 s). */
export const SELF_CHECK_MAX_PERIODS = 128;
/**
 * Next hops tried at one peer when the chosen link turns out dead: each failed try drops that link,
 * so after a mass failure a peer goes through its dead contacts at once, not one lookup at a time.
 */
export const MAX_FORWARD_ATTEMPTS = 16;

/**
 * A lookup that finds no route (no link toward the key is up yet) tries again after this part of
 * a stabilize period, until its timeout: a successor's new link comes up within a period or so.
 */
export const NO_ROUTE_RETRY_PERIODS = 0.25;

/**
 * Finger slots this far above the lowest one we must fill (whose interval holds about r peers,
 * so this one about r * 2^MID_TARGET_SLOTS) are searched from the middle of their interval.
 */
export const MID_TARGET_SLOTS = 2;

/**
 * An attached peer (attach.ts) looks its own id up again every so many stabilize periods, to find
 * a member that joined just before the owner of its id and now ends the routes toward it.
 */
export const ATTACH_REFRESH_PERIODS = 2;
