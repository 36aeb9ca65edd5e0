// Debian's Chromium inside a lab namespace: playwright-core starts a small wrapper that execs the
// browser through `ip netns exec` (which keeps the pipes playwright drives it by), so the tab's
// traffic leaves from the home behind its NAT. The lab's server is plain http on a documentation
// address, so the tab is told to treat that origin as secure (as https would be in a deployment).
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.js';

export async function launchChromiumIn(ns: string, origin: string, dir: string): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  const wrapper = join(dir, 'chromium-in-lab.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM_PATH} "$@"\n`);
  chmodSync(wrapper, 0o700);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: wrapper, args: [...CHROMIUM_ARGS, `--unsafely-treat-insecure-origin-as-secure=${origin}`], headless: true });
}
