// Signaling: how two peers that have no link yet exchange the offer, answer and ICE candidates
// that set one up. Every part of the path is named here; the protocol parts live in this folder,
// the parts that touch a socket live with the runtime and the server.
//
//   messages.ts    the Signaler port (send, setHandler) and the SignalMessage schemas
//   rendezvous.ts  the rendezvous server's WebSocket protocol: challenge, hello, welcome, signal
//   overlay.ts     OverlaySignaler: signal messages routed through the ring to a peer id, and the
//                  relay (`relay`/`relayed`) through a linked peer for a peer not routable yet
//   routed.ts      RoutedSignaler: the Signaler a real peer's Net uses; the server for the first
//                  link, the overlay for every later one; counts links by the path that made them
//
//   src/runtime/link-claims.ts     offers and answers signed over the DTLS fingerprint
//   src/runtime/ws-signaler.ts     a Signaler over the rendezvous WebSocket (the client end)
//   src/runtime/memory-signaler.ts an in-process hub, for tests
//   src/server/hub.ts              the server end: proven ids, contacts for joiners, the relay
export * from './messages.js';
export { OverlaySignaler, SIGNAL_SVC, type SignalServiceStats } from './overlay.js';
export { RoutedSignaler, type OverlayPath, type SignalPath } from './routed.js';
