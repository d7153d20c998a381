// 1. The whole upgrade, as a reseller does it: sign in, find the customer, expand its row, open
//    the subscription, Upgrade now, choose Office 365 Enterprise E3, enter licenses, submit, read
//    the result, and find the new subscription on the customer's Subscriptions page.
//
// Each language upgrades its own subscription (an upgrade can't be repeated: the customer then
// owns E3, eligibility rule 5): zh-CN a partial upgrade of Fabrikam's "Essentials for sales",
// en-US a whole upgrade of Adatum's "Office apps for accounting".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  LOCALES,
  TEXT,
  assertCsp,
  assertLanguage,
  assertNoProblems,
  clickAndWait,
  launchBrowser,
  newContext,
  screenshot,
  signIn,
  squash,
} from './lib/portal.mjs';

const CASES = {
  'zh-CN': {
    search: 'Fabrikam',
    customerId: 'c-fabrikam',
    subscription: 'Essentials for sales',
    subscriptionId: 's-fabrikam-essentials',
    quantity: 25,
    assigned: 20,
    licenses: 10, // partial: the rest stays on the source
  },
  'en-US': {
    search: 'Adatum',
    customerId: 'c-adatum',
    subscription: 'Office apps for accounting',
    subscriptionId: 's-adatum-business',
    quantity: 12,
    assigned: 12,
    licenses: 12, // whole: the source is cancelled
  },
};

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const locale of LOCALES) {
  describe(`upgrade flow (${locale})`, { timeout: 90_000 }, () => {
    const c = CASES[locale];
    const words = TEXT[locale];
    let context;
    let page;
    before(async () => {
      context = await newContext(browser, locale);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
    });

    let sourceOffer;
    let targetOffer;
    let newId;

    test('signs in with the demo account and lands on the customer list', async () => {
      const response = await page.goto('/');
      assertCsp(response);
      assert.equal(new URL(page.url()).pathname, '/sign-in', 'signed out: the list sends to sign-in');
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.signIn);
      await signIn(page, ADMIN);
      assert.equal(new URL(page.url()).pathname, '/');
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.customers);
      assert.match(await page.locator('.who').textContent(), /admin@contoso\.example/);
    });

    test(`searches for ${c.search} and expands its row`, async () => {
      await page.locator('#q').fill(c.search);
      await clickAndWait(page, page.locator('form.search button[type="submit"]'));
      assert.equal(new URL(page.url()).searchParams.get('q'), c.search);
      await assertLanguage(page, locale);
      const rows = page.locator('details.customer');
      assert.equal(await rows.count(), 1, 'exactly one customer matches');
      const row = rows.first();
      assert.match(await row.locator('.customer-name').textContent(), new RegExp(c.search));
      const link = row.getByRole('link', { name: c.subscription, exact: true });
      assert.equal(await link.isVisible(), false, 'the row starts collapsed');
      await row.locator('summary').click();
      assert.equal(await row.evaluate((d) => d.open), true, 'the row is open');
      await link.waitFor({ state: 'visible' }); // read from the Subscriptions page as the row opens
      await screenshot(page, `${locale}-flow-1-customer-expanded`);
      await clickAndWait(page, link);
    });

    test('the Details page shows Upgrade now directly under the subscription ID', async () => {
      assert.equal(new URL(page.url()).pathname, `/customers/${c.customerId}/subscriptions/${c.subscriptionId}`);
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), c.subscription);
      assert.equal(squash(await page.locator('.subscription-id code').textContent()), c.subscriptionId);
      const notice = page.locator('#upgrade-notice');
      assert.equal(await notice.isVisible(), true, 'the Upgrade now notice is shown');
      assert.match(await notice.textContent(), new RegExp(words.upgradeNow));
      // In the DOM: the notice follows the page head whose last line is the subscription ID.
      const placement = await notice.evaluate((n) => {
        const head = n.previousElementSibling;
        return {
          headIsPageHead: head?.classList.contains('page-head') ?? false,
          lastIsId: head?.lastElementChild?.classList.contains('subscription-id') ?? false,
        };
      });
      assert.deepEqual(placement, { headIsPageHead: true, lastIsId: true }, 'the notice follows the subscription ID');
      // On screen: nothing between them, and close together.
      const id = await page.locator('.subscription-id').boundingBox();
      const box = await notice.boundingBox();
      const gap = box.y - (id.y + id.height);
      assert.ok(gap >= 0 && gap <= 32, `the notice sits just below the subscription ID (gap ${gap}px)`);
      await screenshot(page, `${locale}-flow-2-details-notice`);
      await clickAndWait(page, notice.getByRole('link', { name: words.upgradeNow }));
    });

    test('chooses Office 365 Enterprise E3, enters licenses and submits', async () => {
      assert.equal(
        new URL(page.url()).pathname,
        `/customers/${c.customerId}/subscriptions/${c.subscriptionId}/upgrade`,
      );
      await assertLanguage(page, locale);
      const e3 = page.locator('#offer-O365_E3');
      assert.equal(await e3.isEnabled(), true, 'E3 can be chosen');
      targetOffer = squash(await page.locator('label[for="offer-O365_E3"] strong').textContent());
      assert.match(targetOffer, /E3/);
      const lede = squash(await page.locator('.page-head .lede').textContent());
      assert.match(lede, new RegExp(String(c.quantity)), 'the form says how many licenses the source has');
      await e3.check();
      await page.locator('#licenses').fill(String(c.licenses));
      await screenshot(page, `${locale}-flow-3-upgrade-form`);
      await clickAndWait(page, page.locator('form.upgrade-form button[type="submit"]'));
    });

    test('the review shows both subscriptions and the cost; Confirm makes the upgrade', async () => {
      assert.match(
        new URL(page.url()).pathname,
        /^\/reviews\/[0-9a-f]{32}$/,
        'Submit shows the review first, at its own address',
      );
      await assertLanguage(page, locale);
      const rows = page.locator('table.review-table tbody tr');
      assert.equal(await rows.count(), 2, 'the source and the new subscription');
      const newRow = squash(await rows.nth(1).textContent());
      assert.ok(newRow.includes(targetOffer), `the new subscription is of the target: ${newRow}`);
      assert.ok(newRow.includes(String(c.licenses)), `with the licenses entered: ${newRow}`);
      const money = page.locator('dl.money dd');
      assert.equal(await money.count(), 2, 'the change to this period and the next advance');
      assert.match(squash(await money.nth(1).textContent()), /¥[\d,]+\.\d\d/);
      await screenshot(page, `${locale}-flow-3b-review`);
      await clickAndWait(page, page.locator('form.review-actions button[type="submit"]'));
    });

    test('the result page says source → target, the licenses moved and the admin center note', async () => {
      const path = new URL(page.url()).pathname;
      assert.match(path, new RegExp(`^/customers/${c.customerId}/upgrades/\\d+$`), 'redirected to the result');
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.resultTitle);
      const facts = squash(await page.locator('.facts').textContent());
      const pathFact = squash(await page.locator('.facts > div').nth(0).locator('dd').textContent());
      [sourceOffer] = pathFact.split(' → ');
      assert.match(pathFact, / → /);
      assert.ok(pathFact.endsWith(targetOffer), `the path ends at the target: ${pathFact}`);
      assert.match(sourceOffer, /Office 365/);
      const lede = squash(await page.locator('.notice-success').textContent());
      assert.ok(lede.includes(sourceOffer) && lede.includes(targetOffer), `the lede names both offers: ${lede}`);
      const moved = Math.min(c.assigned, c.licenses);
      const movedFact = squash(await page.locator('.facts > div').nth(2).locator('dd').textContent());
      assert.match(movedFact, new RegExp(`^${moved}\\b`), `licenses moved: ${movedFact}`);
      assert.ok(facts.includes(String(c.licenses)), 'the new subscription has the licenses entered');
      newId = squash(await page.locator('.facts > div').nth(1).locator('code').textContent());
      assert.ok(newId && newId !== c.subscriptionId, 'a new subscription was created');
      const sourceFact = squash(await page.locator('.facts > div').nth(3).locator('dd').textContent());
      if (c.licenses >= c.quantity) {
        assert.match(sourceFact, locale === 'zh-CN' ? /已取消/ : /Cancelled/);
      } else {
        assert.ok(sourceFact.includes(String(c.quantity - c.licenses)), `the source keeps the rest: ${sourceFact}`);
      }
      assert.match(await page.locator('aside.notice-info').textContent(), words.adminCenterNote);
      await screenshot(page, `${locale}-flow-4-result`);
    });

    test('the new subscription is on the customer\'s Subscriptions page', async () => {
      await clickAndWait(page, page.locator(`a.button[href="/customers/${c.customerId}/subscriptions"]`));
      assert.equal(new URL(page.url()).pathname, `/customers/${c.customerId}/subscriptions`);
      await assertLanguage(page, locale);
      const row = page.locator('table.table tbody tr', {
        has: page.locator(`a[href="/customers/${c.customerId}/subscriptions/${newId}"]`),
      });
      assert.equal(await row.count(), 1, `a row links to the new subscription ${newId}`);
      const cells = (await row.locator('td').allTextContents()).map(squash);
      assert.equal(cells[1], targetOffer, 'its offer is the target');
      assert.match(cells[2], new RegExp(`\\b${c.licenses}\\b`), 'its licenses are the ones entered');
      assert.match(cells[3], locale === 'zh-CN' ? /活动/ : /Active/);
      await screenshot(page, `${locale}-flow-5-subscriptions`);
      // The source is still listed, with what it kept.
      const source = page.locator('table.table tbody tr', {
        has: page.locator(`a[href="/customers/${c.customerId}/subscriptions/${c.subscriptionId}"]`),
      });
      assert.equal(await source.count(), 1, 'the source subscription is still listed');
    });

    test('the activity log records the upgrade', async () => {
      await clickAndWait(page, page.locator('nav.sidenav a[href="/activity"]'));
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.activity);
      const newest = page.locator('table.table tbody tr', { has: page.locator(`a[href^="/customers/${c.customerId}/upgrades/"]`) });
      assert.ok((await newest.count()) >= 2, 'both subscriptions\' changes link to the upgrade result');
      assert.match(squash(await newest.first().textContent()), /admin@contoso\.example/);
      await screenshot(page, `${locale}-flow-6-activity`);
      assertNoProblems(context);
    });
  });
}
