// Fingers, all of their upkeep. Slot k may hold ANY peer in [self + 2^k, self + 2^(k+1)): routing
// stays O(log N) (each hop at least halves the distance to the key), and the freedom lets a peer
// pick a finger that has room for one more link instead of evicting someone. Slots whose interval
// lies inside the successor list are optional, filled only while the link budget has room (they
// save the walk along unlinked successors), so a peer needs only about log2(N / r) fingers. A
// filled slot costs nothing until its link goes down.
//
// - table.ts: the table (slot -> finger) and which slots are worth filling.
// - search.ts (Fingers): filling our own table: the routed 'find-finger' searches, one slot at a
//   time, retries, and how many optional fingers the link budget allows.
// - answer.ts (FingerAnswers): answering others' searches: the peer of the interval with room
//   links to the searcher and answers over that link; a full one passes the search to its
//   successor when the room hint (carried in stabilize replies) says that one has room.
// - handlers/find-finger.ts hands a routed 'find-finger' to FingerAnswers.handle; ring.ts hands
//   one passing through to FingerAnswers.inPassing.
// - The link budget itself is the mux's (mux.ts: Mux.maxLinks, Mux.hasRoom), shared by the rings.
// - Each finger link's role is declared to its peer in 'use' (roles.ts).
export { FingerAnswers, type FingerAnswerContext } from './answer.js';
export { Fingers, type FingerSearchContext } from './search.js';
export { FingerTable, firstUsefulSlot } from './table.js';
