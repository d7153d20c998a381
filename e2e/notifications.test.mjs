// Issue 33: the Notifications page (通知) in both languages passes axe and is saved; an address
// on the portal's own machine is refused beside its field (422, aria-invalid), nothing kept. The
// only address typed is a loopback one, refused before anything is sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  LOCALES,
  assertNoProblems,
  checkAccessibility,
  clickAndWait,
  launchBrowser,
  screenshot,
  signedInContext,
  squash,
  visit,
} from './lib/portal.mjs';

const WORDS = {
  'zh-CN': { title: '通知', refused: '该地址指向 127.0.0.2' },
  'en-US': { title: 'Notifications', refused: 'The address leads to 127.0.0.2' },
};

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const locale of LOCALES) {
  describe(`the Notifications page (${locale})`, { timeout: 60_000 }, () => {
    let context;
    let page;
    before(async () => {
      context = await signedInContext(browser, locale);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
    });

    test('is in the navigation, passes axe and is saved', async (t) => {
      await visit(page, '/notifications', locale);
      assert.equal(squash(await page.locator('h1').textContent()), WORDS[locale].title);
      assert.equal(await page.locator('.sidenav a[href="/notifications"]').getAttribute('aria-current'), 'page');
      await checkAccessibility(page, `notifications (${locale})`, t);
      await screenshot(page, `${locale}-notifications`);
    });

    test('refuses an address on this machine beside its field', async (t) => {
      await visit(page, '/notifications', locale);
      await page.locator('#url').fill('http://127.0.0.2:9/hooks');
      const response = await clickAndWait(page, page.locator('form[action="/notifications/registration"] button[type="submit"]'));
      assert.equal(response?.status(), 422);
      assert.equal(await page.locator('#url').getAttribute('aria-invalid'), 'true');
      assert.ok(squash(await page.locator('#url-error').textContent()).startsWith(WORDS[locale].refused));
      await checkAccessibility(page, `notifications refused (${locale})`, t);
      await screenshot(page, `${locale}-notifications-refused`);
      assertNoProblems(context);
    });
  });
}
