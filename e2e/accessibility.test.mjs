// 5 and 6. Every page of the portal, in both languages: served with the CSP header and the
//    right <html lang>, checked with axe-core (serious and critical violations fail the test;
//    every violation is written to output/axe/violations.jsonl), and saved as a full-page
//    screenshot at 1280 px wide in output/screenshots/. The customer list and a Details page
//    are also checked and saved at a phone's 390 px.
//
// The result page comes from upgrades made here, one license each, of a subscription no other
// test touches: 大连星海's Business Essentials, to E1 in zh-CN, then to Business Premium (still
// eligible after E1) in en-US.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  DESKTOP,
  KNOWN_VIOLATIONS,
  LOCALES,
  PHONE,
  TEXT,
  assertCsp,
  assertLanguage,
  assertNoProblems,
  checkAccessibility,
  clickAndWait,
  knownMatched,
  launchBrowser,
  newContext,
  screenshot,
  signedInContext,
  squash,
  visit,
} from './lib/portal.mjs';

const FABRIKAM = '/customers/c-fabrikam/subscriptions/s-fabrikam-essentials';

/** Details pages: the eligible one and one for each reason a subscription or a target can't be
 * upgraded. Proseware's (E1 still eligible) and Alpine's (Business Premium and E1 still
 * eligible) keep the notice: only some of their targets are blocked. */
const DETAILS = [
  { name: 'details-eligible', path: FABRIKAM, eligible: true },
  { name: 'details-no-delegated-admin', path: '/customers/c-woodgrove/subscriptions/s-woodgrove-essentials', code: 'delegated_admin_permissions_disabled' },
  { name: 'details-conflict', path: '/customers/c-proseware/subscriptions/s-proseware-essentials', code: 'conflicting_service_types', eligible: true },
  { name: 'details-suspended', path: '/customers/c-wingtip/subscriptions/s-wingtip-essentials', code: 'subscription_status_not_active' },
  { name: 'details-already-owned', path: '/customers/c-alpine/subscriptions/s-alpine-essentials', code: 'target_offer_already_owned', eligible: true },
  { name: 'details-no-upgrade-paths', path: '/customers/c-tailspin/subscriptions/s-tailspin-e1', code: 'subscription_does_not_have_any_upgrade_paths' },
];

const RESULT_SOURCE = '/customers/c-xinghai/subscriptions/s-xinghai-1';
const RESULT_TARGET = { 'zh-CN': 'O365_E1', 'en-US': 'O365_BUSINESS_PREMIUM' };

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Checks the page as it is now with axe and saves its screenshot. */
async function check(t, page, locale, n, name) {
  await checkAccessibility(page, `${name} (${locale})`, t);
  await screenshot(page, `${locale}-${String(n).padStart(2, '0')}-${name}`);
}

/** Whether the page is wider than the window (it then scrolls sideways). */
const overflow = (page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

for (const locale of LOCALES) {
  describe(`every page passes axe and is saved (${locale})`, { timeout: 150_000 }, () => {
    const words = TEXT[locale];
    let context;
    let page;
    let n = 0;
    const shot = (t, name) => check(t, page, locale, (n += 1), name);
    before(async () => {
      context = await signedInContext(browser, locale);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
    });

    test('sign-in', async (t) => {
      const signedOut = await newContext(browser, locale);
      try {
        const p = await signedOut.newPage();
        await visit(p, '/sign-in', locale);
        await checkAccessibility(p, `sign-in (${locale})`, t);
        await screenshot(p, `${locale}-${String((n += 1)).padStart(2, '0')}-sign-in`);
        assertNoProblems(signedOut);
      } finally {
        await signedOut.close();
      }
    });

    test('customer list', async (t) => {
      await visit(page, '/', locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.customers);
      assert.ok((await page.locator('details.customer').count()) > 1);
      await shot(t, 'customers');
    });

    test('customer list with a row expanded', async (t) => {
      await visit(page, '/', locale);
      const row = page.locator('details.customer', { hasText: 'Fabrikam' });
      await row.locator('summary').click();
      assert.equal(await row.evaluate((d) => d.open), true);
      await row.locator('table').waitFor(); // the subscriptions, read when the row opens
      await shot(t, 'customers-expanded');
    });

    test('customer list, search with no match', async (t) => {
      await visit(page, '/?q=no-such-customer', locale);
      assert.equal(await page.locator('details.customer').count(), 0);
      await shot(t, 'customers-search-empty');
    });

    test('Subscriptions page', async (t) => {
      await visit(page, '/customers/c-fabrikam/subscriptions', locale);
      assert.ok((await page.locator('table.table tbody tr').count()) >= 2);
      await shot(t, 'subscriptions');
    });

    test('Subscriptions page of a customer without delegated admin privileges', async (t) => {
      await visit(page, '/customers/c-woodgrove/subscriptions', locale);
      assert.equal(await page.locator('a[href="/customers/c-woodgrove/delegated-admin"]').count(), 1);
      await shot(t, 'subscriptions-no-delegated-admin');
    });

    for (const d of DETAILS) {
      test(`Details: ${d.name}`, async (t) => {
        await visit(page, d.path, locale);
        assert.equal(await page.locator('#upgrade-notice').count(), d.eligible ? 1 : 0,
          d.eligible ? 'the notice is shown' : 'no Upgrade now notice');
        if (d.code) {
          assert.ok((await page.locator(`.reason[data-code="${d.code}"]`).count()) >= 1, `the reason ${d.code} is shown`);
        }
        await shot(t, d.name);
      });
    }

    test('upgrade form', async (t) => {
      await visit(page, `${FABRIKAM}/upgrade`, locale);
      assert.ok((await page.locator('input[name="offer"]:enabled').count()) >= 1);
      await shot(t, 'upgrade-form');
    });

    test('upgrade form with an error', async (t) => {
      await visit(page, `${FABRIKAM}/upgrade`, locale);
      await page.locator('input[name="offer"]:enabled').first().check();
      await page.locator('#licenses').fill('abc');
      const response = await clickAndWait(page, page.locator('form.upgrade-form button[type="submit"]'));
      assert.equal(response.status(), 422);
      await assertLanguage(page, locale);
      assert.equal(await page.locator('#licenses').getAttribute('aria-invalid'), 'true');
      assert.match(await page.locator('#licenses-error').textContent(), words.errors.notWhole);
      await shot(t, 'upgrade-form-error');
    });

    test('upgrade form of an ineligible subscription', async (t) => {
      await visit(page, '/customers/c-woodgrove/subscriptions/s-woodgrove-essentials/upgrade', locale);
      assert.equal(await page.locator('form.upgrade-form button[type="submit"]').isDisabled(), true);
      await shot(t, 'upgrade-form-ineligible');
    });

    test('result page', async (t) => {
      await visit(page, `${RESULT_SOURCE}/upgrade`, locale);
      await page.locator(`#offer-${RESULT_TARGET[locale]}`).check();
      await page.locator('#licenses').fill('1');
      await clickAndWait(page, page.locator('form.upgrade-form button[type="submit"]'));
      assert.equal(await page.locator('table.review-table').count(), 1, 'the review comes first');
      await shot(t, 'review');
      await clickAndWait(page, page.locator('form.review-actions button[type="submit"]'));
      assert.match(new URL(page.url()).pathname, /\/upgrades\/\d+$/);
      await assertLanguage(page, locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.resultTitle);
      await shot(t, 'upgrade-result');
    });

    test('delegated-admin page', async (t) => {
      await visit(page, '/customers/c-woodgrove/delegated-admin', locale);
      await shot(t, 'delegated-admin');
    });

    test('activity log', async (t) => {
      await visit(page, '/activity', locale);
      assert.equal(squash(await page.locator('h1').textContent()), words.activity);
      assert.ok((await page.locator('table.table tbody tr').count()) >= 1);
      await shot(t, 'activity');
    });

    test('activity log of one customer', async (t) => {
      await visit(page, '/activity?customer=c-fabrikam', locale);
      await shot(t, 'activity-customer');
    });

    for (const [name, path] of [
      ['charges', '/charges'],
      ['prices', '/prices'],
      ['settings', '/settings'],
      ['api-access', '/api-access'],
      ['api-reference', '/api-access/reference'],
      ['catalog', '/catalog'],
    ]) {
      test(`${name} page`, async (t) => {
        await visit(page, path, locale);
        await shot(t, name);
      });
    }

    test('review of a license change', async (t) => {
      await visit(page, FABRIKAM, locale);
      await page.locator('#licenses').fill('26');
      await clickAndWait(page, page.locator('form.manage-form button[type="submit"]').first());
      assert.equal(await page.locator('table.review-table').count(), 1);
      await shot(t, 'review-licenses');
    });

    test('404 page', async (t) => {
      const response = await visit(page, '/no-such-page', locale, { status: 404 });
      assertCsp(response);
      assert.equal(squash(await page.locator('h1').textContent()), words.notFound);
      await shot(t, 'not-found');
    });

    test('phone (390 px): customer list and Details page', async (t) => {
      await page.setViewportSize(PHONE);
      try {
        await visit(page, '/', locale);
        const row = page.locator('details.customer', { hasText: 'Fabrikam' });
        await row.locator('summary').click();
        await row.locator('table').waitFor();
        assert.equal(await overflow(page), 0, 'the customer list fits the phone\'s width');
        await checkAccessibility(page, `customers-expanded, phone (${locale})`, t);
        await screenshot(page, `${locale}-phone-customers-expanded`);
        await visit(page, FABRIKAM, locale);
        assert.equal(await page.locator('#upgrade-notice').isVisible(), true);
        assert.equal(await overflow(page), 0, 'the Details page fits the phone\'s width');
        await checkAccessibility(page, `details-eligible, phone (${locale})`, t);
        await screenshot(page, `${locale}-phone-details-eligible`);
        await screenshot(page, `${locale}-phone-details-eligible-screen`, { fullPage: false });
      } finally {
        await page.setViewportSize(DESKTOP);
      }
      assertNoProblems(context);
    });
  });
}

test('every entry of known-violations.mjs still occurs (delete the fixed ones)', () => {
  const stale = KNOWN_VIOLATIONS.filter((k) => !knownMatched.has(k));
  assert.deepEqual(stale.map((k) => `${k.rule}: ${k.note}`), [], 'these known violations no longer occur');
});
