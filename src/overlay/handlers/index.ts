// The ring's own operations, one handler per file, looked up by op name.
import type { Envelope } from '../../core/envelope.js';
import type { ChordRing } from '../ring.js';
import { findFingerHandler } from './find-finger.js';
import { findSuccHandler } from './find-succ.js';
import { hintHandler } from './hint.js';
import { joinHandler } from './join.js';
import { leaveHandler } from './leave.js';
import { pingHandler } from './ping.js';
import { stabilizeHandler } from './stabilize.js';
import { useHandler } from './use.js';

export type ChordHandler = (ring: ChordRing, env: Envelope) => void;

export const CHORD_HANDLERS: Readonly<Record<string, ChordHandler>> = {
  stabilize: stabilizeHandler,
  'find-succ': findSuccHandler,
  join: joinHandler,
  leave: leaveHandler,
  hint: hintHandler,
  ping: pingHandler,
  'find-finger': findFingerHandler,
  use: useHandler,
};
