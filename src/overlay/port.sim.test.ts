// Proves ChordRing, joined organically on the simulator, passes the ring port's compliance suite.
import { Simulator } from '../sim/simulator.js';
import { OverlayNet } from '../sim/scenarios/overlay-net.js';
import { runRingPortTests } from './compliance/port.js';

const SEED = 3;
const PEERS = 8;
const CONFIG = { stabilizeIntervalMs: 500, fixFingersIntervalMs: 500, checkPredecessorIntervalMs: 500, requestTimeoutMs: 1500 };
/** A ring this small settles in a few seconds; ten times that means it will not. */
const SETTLE_BOUND_MS = 30_000;

runRingPortTests(`ChordRing on the simulator (--seed ${SEED})`, () => {
  const sim = new Simulator({ seed: SEED });
  const net = new OverlayNet(sim, CONFIG);
  const settle = (): void => {
    const start = sim.now();
    while (!net.consistent()) {
      if (sim.now() - start > SETTLE_BOUND_MS) throw new Error(`the ring did not settle in ${SETTLE_BOUND_MS} ms (reproduce with seed ${SEED}): ${net.check().problems.join('; ')}`);
      sim.run({ forMs: 100 });
    }
  };
  net.add(null);
  for (let i = 1; i < PEERS; i++) {
    sim.run({ forMs: 300 });
    net.addThroughRandom();
  }
  settle();
  return {
    ports: net.live().map((p) => p.ring),
    run: (ms) => void sim.run({ forMs: ms }),
    settle,
    add: () => net.addThroughRandom().ring,
    crash: (port) => net.crash(net.live().find((p) => p.ring === port)!),
  };
});
