import fs from 'node:fs';

import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which `scripts/install-chromium.sh` installs. CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Returns whether the browser tests run. On CI (CI set, as to true) they always run, so a missing browser
 * fails them. On a developer machine without Chromium they are skipped with a warning.
 */
export function browserTestsEnabled(): boolean {
  const onCi = Boolean(process.env.CI) && process.env.CI !== 'false';
  if (onCi || fs.existsSync(CHROMIUM_PATH)) return true;
  console.warn(
    `\n*** Browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH}. ` +
      'Run scripts/install-chromium.sh or set CHROMIUM_PATH. ***\n',
  );
  return false;
}

/**
 * Starts headless Chromium with background networking turned off, so that the browser itself
 * sends nothing beyond the pages under test.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-default-apps',
      '--disable-domain-reliability',
      '--disable-sync',
      '--no-first-run',
      '--no-proxy-server',
    ],
  });
}
