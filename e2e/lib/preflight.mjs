// run.sh calls this before the tests: exits non-zero, with the reason, if Chromium can't start.
import { launchBrowser, CHROMIUM } from './browser.mjs';

try {
  const browser = await launchBrowser();
  const page = await browser.newPage();
  await page.setContent('<p>ok</p>');
  const text = await page.textContent('p');
  const version = browser.version();
  await browser.close();
  if (text !== 'ok') throw new Error(`unexpected page content ${JSON.stringify(text)}`);
  console.log(`Chromium ${version} (${CHROMIUM}) starts`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
