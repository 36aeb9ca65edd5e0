// Debian's Chromium driven by playwright-core, with the flags this project's machines need (no
// sandbox as root, no background traffic to hosts the closed network would refuse). Tests and
// benches that open volunteer tabs use it; scripts/ensure-chromium.sh installs the browser.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/**
 * Longest a tab may take to load the volunteer page and join the ring: the bundle, the page's peer
 * and a Chord join take seconds, many times that with a dozen processes on two cores.
 */
export const TAB_JOIN_TIMEOUT_MS = 60_000;

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
