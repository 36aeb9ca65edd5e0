// An in-process signaling hub for tests and single-process benches: every registered peer gets a
// Signaler, and messages are delivered on a later turn of the event loop, in order, like a socket.
import type { PeerId } from '../core/id.js';
import type { SignalMessage, Signaler } from '../services/signal/messages.js';

export class MemorySignalHub {
  private readonly handlers = new Map<PeerId, (from: PeerId, msg: SignalMessage) => void>();
  /** Messages relayed, for "signals per link" figures. */
  relayed = 0;
  /** Optional tap to tamper with or drop messages in tests: return null to drop. */
  tap: ((from: PeerId, to: PeerId, msg: SignalMessage) => SignalMessage | null) | null = null;

  signaler(self: PeerId): Signaler {
    return {
      send: (to, msg) => {
        const m = this.tap ? this.tap(self, to, msg) : msg;
        if (!m) return;
        this.relayed++;
        // structuredClone makes sure no object is shared between the two peers.
        const copy = structuredClone(m);
        setTimeout(() => this.handlers.get(to)?.(self, copy), 0);
      },
      setHandler: (fn) => {
        this.handlers.set(self, fn);
      },
    };
  }
}
