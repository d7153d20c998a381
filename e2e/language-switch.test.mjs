// 3. The header's language switch: the page comes back in the other language on the same
//    address (query included), <html lang> changes, and the choice is remembered on the next
//    pages even though the browser's own language says otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  LOCALES,
  TEXT,
  assertLanguage,
  assertNoProblems,
  clickAndWait,
  launchBrowser,
  newContext,
  other,
  signedInContext,
  squash,
  visit,
} from './lib/portal.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

async function langCookie(context) {
  return (await context.cookies()).find((c) => c.name === 'lang')?.value;
}

async function assertSwitchOffers(page, target) {
  const link = page.locator('.lang-switch');
  assert.equal(squash(await link.textContent()), TEXT[other(target)].switchLabel, 'the switch names the other language');
  assert.equal(await link.getAttribute('lang'), target, 'the switch is marked up in its own language');
  assert.equal(await link.getAttribute('hreflang'), target);
}

for (const locale of LOCALES) {
  const to = other(locale);
  describe(`language switch from ${locale} to ${to}`, { timeout: 60_000 }, () => {
    let context;
    let page;
    before(async () => {
      context = await signedInContext(browser, locale);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
    });

    test('the browser\'s language is used until the switch is clicked', async () => {
      await visit(page, '/?q=Fabrikam', locale);
      assert.equal(squash(await page.locator('h1').textContent()), TEXT[locale].customers);
      assert.equal(await langCookie(context), undefined, 'no language cookie yet');
      await assertSwitchOffers(page, to);
    });

    test('the switch shows the same page in the other language', async () => {
      await clickAndWait(page, page.locator('.lang-switch'));
      const url = new URL(page.url());
      assert.equal(url.pathname, '/', 'back on the same page');
      assert.equal(url.searchParams.get('q'), 'Fabrikam', 'with the same search');
      await assertLanguage(page, to);
      assert.equal(squash(await page.locator('h1').textContent()), TEXT[to].customers);
      assert.equal(await page.locator('#q').inputValue(), 'Fabrikam');
      assert.equal(await page.locator('details.customer').count(), 1, 'the same search result');
      await assertSwitchOffers(page, locale);
      assert.equal(await langCookie(context), to, 'the choice is kept in a cookie');
    });

    test('the choice is remembered on the next pages', async () => {
      await clickAndWait(page, page.locator('nav.sidenav a[href="/activity"]'));
      await assertLanguage(page, to);
      assert.equal(squash(await page.locator('h1').textContent()), TEXT[to].activity);
      // A new tab of the same browser, straight to another address.
      const tab = await context.newPage();
      await visit(tab, '/customers/c-fabrikam/subscriptions/s-fabrikam-essentials', to);
      assert.match(await tab.locator('#upgrade-notice').textContent(), new RegExp(TEXT[to].upgradeNow));
      await tab.close();
    });

    test('switching again goes back to the first language', async () => {
      await clickAndWait(page, page.locator('.lang-switch'));
      assert.equal(new URL(page.url()).pathname, '/activity');
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), TEXT[locale].activity);
      assert.equal(await langCookie(context), locale);
      assertNoProblems(context);
    });

    test('the switch works on the sign-in page too', async () => {
      const signedOut = await newContext(browser, locale);
      try {
        const p = await signedOut.newPage();
        await visit(p, '/sign-in', locale);
        assert.equal(squash(await p.locator('h1').textContent()), TEXT[locale].signIn);
        await clickAndWait(p, p.locator('.lang-switch'));
        assert.equal(new URL(p.url()).pathname, '/sign-in');
        await assertLanguage(p, to);
        assert.equal(squash(await p.locator('h1').textContent()), TEXT[to].signIn);
        assertNoProblems(signedOut);
      } finally {
        await signedOut.close();
      }
    });
  });
}
