// Launching Debian's Chromium through playwright-core. No browser is ever downloaded.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** A new browser (Playwright gives it a fresh user data dir of its own). Throws, with the
 * reason, when Chromium can't start: the caller's test then fails rather than skips. */
export async function launchBrowser() {
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
    });
  } catch (e) {
    throw new Error(`Chromium at ${CHROMIUM} cannot start: ${e.message}`);
  }
}
