// Issue 31 in a browser: Add subscription on a customer's Subscriptions page → a cart of two
// offers with licenses and names → the review with each subscription's cost and the dates →
// Confirm clicked twice (one order) → the order placed → its subscriptions on the customer's
// page; a second tab's Confirm of the same cart is told the customer changed, and places
// nothing. In both languages, each page checked with axe.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  AT_PHONE,
  LOCALES,
  assertLanguage,
  assertNoProblems,
  checkAccessibility,
  clickAndWait,
  launchBrowser,
  screenshot,
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

const WORDS = {
  'zh-CN': {
    add: '添加订阅',
    customer: 'yuntu',
    free: /免费/,
    done: /新订阅已生效/,
  },
  'en-US': {
    add: 'Add subscription',
    customer: 'fabrikam',
    free: /free until/,
    done: /The new subscriptions are active/,
  },
};

/** The customer's Subscriptions page, found through the customer list's search. */
async function subscriptionsOf(page, locale, search) {
  await visit(page, `/?q=${encodeURIComponent(search)}`, locale);
  return page.locator('.customer-links a').first().getAttribute('href');
}

/** The cart: two offers, each with licenses and a friendly name. */
async function fillCart(page, names) {
  await page.locator('#q-O365_E1').fill('5');
  await page.locator('#n-O365_E1').fill(names[0]);
  await page.locator('#q-EXCHANGE_ONLINE_P1').fill('3');
  await page.locator('#n-EXCHANGE_ONLINE_P1').fill(names[1]);
}

for (const locale of LOCALES) {
  const words = WORDS[locale];
  describe(`add subscriptions (${locale})`, { timeout: 120_000 }, () => {
    const tag = `${locale}${AT_PHONE ? ' 390' : ''}`;
    const names = [`E2E E1 ${tag}`, `E2E Exchange ${tag}`];
    let subscriptions;

    test('a cart, its review with the costs, Confirm twice: one order', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        subscriptions = await subscriptionsOf(page, locale, words.customer);
        assert.match(subscriptions, /^\/customers\/[^/]+\/subscriptions$/);
        await visit(page, subscriptions, locale);
        await clickAndWait(page, page.getByRole('link', { name: words.add, exact: true }));
        const cart = new URL(page.url()).pathname;
        assert.match(cart, /\/orders\/new$/);
        await checkAccessibility(page, `add subscription (${locale})`, t);
        await screenshot(page, `${locale}-order-01-form`);

        await fillCart(page, names);
        await clickAndWait(page, page.locator('form.order-form button.button-primary'));
        // The review at its own address (issue 30, item 5).
        const review = new URL(page.url()).pathname;
        assert.match(review, /^\/reviews\/[0-9a-f]{32}$/);
        await assertLanguage(page, locale);
        const rows = page.locator('table.review-table tbody tr');
        assert.equal(await rows.count(), 2);
        assert.ok(squash(await rows.nth(0).textContent()).includes(names[0]));
        assert.ok(squash(await rows.nth(1).textContent()).includes(names[1]));
        assert.ok((await page.locator('table.review-table [data-amount]').count()) >= 1, 'the advances');
        const hint = squash(await page.locator('section.card .hint').textContent());
        assert.match(hint, words.free);
        assert.match(hint, /\d/, 'the date and the total');
        await checkAccessibility(page, `add subscription, review (${locale})`, t);
        await screenshot(page, `${locale}-order-02-review`);

        // A second tab with the same cart reviewed, before the first one's Confirm.
        const second = await context.newPage();
        await visit(second, cart, locale);
        await fillCart(second, names);
        await clickAndWait(second, second.locator('form.order-form button.button-primary'));

        // A double click on Confirm.
        await Promise.all([
          page.waitForURL(/\/orders\/(?!new)[^/]+$/, { waitUntil: 'load' }),
          page.locator('form.review-actions button.button-primary').dblclick(),
        ]);
        assert.match(squash(await page.locator('.notice-success').textContent()), words.done);
        assert.equal(await page.locator('table tbody tr').count(), 2);
        await checkAccessibility(page, `order placed (${locale})`, t);
        await screenshot(page, `${locale}-order-03-placed`);
        const placed = new URL(page.url()).pathname;
        // Back to the review: already done, with a link to the order; no Confirm.
        await page.goBack({ waitUntil: 'load' });
        assert.equal(new URL(page.url()).pathname, review);
        assert.equal(await page.locator('[data-code="already_done"]').count(), 1, 'already done');
        assert.equal(await page.locator(`a[rel="result"][href="${placed}"]`).count(), 1);
        assert.equal(await page.locator('form.review-actions').count(), 0);

        // The second tab's Confirm: the customer changed since its review; nothing placed.
        await clickAndWait(second, second.locator('form.review-actions button.button-primary'));
        assert.equal(await second.locator('[data-code="changed"]').count(), 1, 'told it changed');
        assert.ok((await second.locator('[data-code="already_held"]').count()) >= 2, 'both held now');
        await checkAccessibility(second, `order review, changed (${locale})`, t);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });

    test("the new subscriptions on the customer's page, once each", async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        await visit(page, subscriptions, locale);
        const text = squash(await page.locator('main').textContent());
        for (const name of names) {
          assert.equal(text.split(name).length - 1, 1, `${name} once on ${subscriptions}`);
        }
        await checkAccessibility(page, `subscriptions with the new ones (${locale})`, t);
        await screenshot(page, `${locale}-order-04-subscriptions`);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });
  });
}
