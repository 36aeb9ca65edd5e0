// Proves the simulator's per-node Net and Clock pass the shared port compliance suites.
import { runClockCompliance } from '../env/compliance/clock.js';
import { runNetCompliance } from '../env/compliance/net.js';
import { runStoreCompliance } from '../env/compliance/store.js';
import { Simulator } from './index.js';

const SEED = 11;

runNetCompliance(`SimNet (--seed ${SEED})`, () => {
  const sim = new Simulator({ seed: SEED });
  const nets = [sim.addNode().env.net, sim.addNode().env.net, sim.addNode().env.net];
  return {
    nets,
    settle: async () => {
      sim.run({ forMs: 100 });
    },
    teardown: () => {},
  };
});

runNetCompliance(`SimNet raw mode without faults (--seed ${SEED})`, () => {
  const sim = new Simulator({ seed: SEED, network: { mode: 'raw', latency: { kind: 'lognormal', medianMs: 30, sigma: 0.5 } } });
  const nets = [sim.addNode().env.net, sim.addNode().env.net, sim.addNode().env.net];
  return { nets, settle: async () => void sim.run({ forMs: 100 }), teardown: () => {} };
});

runClockCompliance(`SimClock (--seed ${SEED})`, () => {
  const sim = new Simulator({ seed: SEED });
  const node = sim.addNode();
  return { clock: node.env.clock, advance: async (ms) => void sim.run({ forMs: ms }) };
});

runStoreCompliance('SimNode store', () => new Simulator({ seed: SEED }).addNode().env.store);
