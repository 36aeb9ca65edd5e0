// Proves the oracle ring (an idealised one-hop ring for service tests) passes the ring port's compliance suite.
import { runRingPortTests } from '../overlay/compliance/port.js';
import { OracleNetwork, OracleRing } from './oracle-ring.js';
import { Simulator } from './simulator.js';

const SEED = 5;

runRingPortTests(`OracleRing (--seed ${SEED})`, () => {
  const sim = new Simulator({ seed: SEED });
  const net = new OracleNetwork(20, 2_000);
  const add = (): OracleRing => {
    const node = sim.addNode();
    const ring = new OracleRing(net, node.id, node.env.clock);
    net.add(ring);
    return ring;
  };
  return {
    ports: Array.from({ length: 8 }, add),
    run: (ms) => void sim.run({ forMs: ms }),
    // A crash is seen after detectMs; a join at once.
    settle: () => void sim.run({ forMs: net.detectMs + 4 * net.latencyMs }),
    add,
    crash: (p) => {
      net.crash(p.self, (ms, fn) => sim.schedule(ms, fn));
      sim.crash(p.self);
    },
  };
});
