// Lint rules of the house. The one that matters most: protocol layers (core, overlay, gossip,
// services, peer) do no I/O of their own. Time, timers, randomness and the network come from the
// Env, so the same code runs in a tab, in Node and in the deterministic simulator.
import tseslint from 'typescript-eslint';

const protocolLayers = ['src/core/**/*.ts', 'src/overlay/**/*.ts', 'src/gossip/**/*.ts', 'src/services/**/*.ts', 'src/peer/**/*.ts'];
const why = 'protocol layers get time, timers, randomness and I/O from the Env (see docs/architecture.md)';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  {
    files: ['src/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      'no-debugger': 'error',
      'no-var': 'error',
      'prefer-const': 'error',
    },
  },
  {
    files: protocolLayers,
    ignores: ['src/**/*.test.ts', 'src/**/test-util/**'],
    rules: {
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: why }, { name: 'setInterval', message: why },
        { name: 'setImmediate', message: why }, { name: 'clearTimeout', message: why },
        { name: 'clearInterval', message: why }, { name: 'queueMicrotask', message: why },
        { name: 'Date', message: why }, { name: 'fetch', message: why },
        { name: 'performance', message: why }, { name: 'process', message: why },
        { name: 'require', message: why }, { name: 'WebSocket', message: why },
        { name: 'RTCPeerConnection', message: why },
      ],
      'no-restricted-properties': ['error',
        { object: 'Math', property: 'random', message: why },
        { object: 'crypto', property: 'getRandomValues', message: why },
        { object: 'crypto', property: 'randomUUID', message: why },
        { object: 'globalThis', property: 'crypto', message: why },
      ],
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*'], message: why },
          { group: ['fs', 'fs/*', 'net', 'http', 'https', 'dgram', 'child_process', 'os', 'crypto', 'timers', 'timers/*', 'worker_threads'], message: why },
          { group: ['**/runtime/**', '**/host/**', '**/server/**', '**/bench/**', '**/cli/**', '**/web/**', '**/sim/**', 'ws', 'level', 'node-datachannel', 'node-datachannel/*', 'fastify'], message: why },
        ],
      }],
    },
  },
);
