// Issue 32 in a browser, a second person's approval: a global admin sets the cost threshold on
// the Settings page; a sales agent (invited on the Users page) asks for more licenses, and the
// review's button reads Request approval; the change waits on the Approvals page, counted in an
// approver's navigation; the global admin approves it and the change is made. In both
// languages, each page checked with axe. The threshold is set off again at the end: the other
// files share the server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  LOCALES,
  assertNoProblems,
  checkAccessibility,
  clickAndWait,
  launchBrowser,
  newContext,
  screenshot,
  signedInContext,
  visit,
} from './lib/portal.mjs';

const DETAILS = '/customers/c-qingshan/subscriptions/s-qingshan-2';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  // Off again, for the files that run after this one.
  const context = await signedInContext(browser, 'en-US', ADMIN);
  try {
    const page = await context.newPage();
    await page.goto('/settings');
    await page.locator('#cost').fill('');
    await page.locator('#rows').fill('');
    await clickAndWait(page, page.locator('form[action="/settings/approvals"] button'));
  } finally {
    await context.close();
    await browser?.close();
  }
});

for (const locale of LOCALES) {
  describe(`a sales agent requests, an admin approves (${locale})`, { timeout: 180_000 }, () => {
    const email = `e2e-seller-${locale.toLowerCase()}@contoso.example`;
    const password = `e2e seller ${locale}`;
    let link;
    let request;
    let wanted;

    test('a global admin sets the threshold and invites a sales agent', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        await visit(page, '/settings', locale);
        await page.locator('#cost').fill('0');
        await clickAndWait(page, page.locator('form[action="/settings/approvals"] button'));
        assert.equal(new URL(page.url()).search, '?done=approvals');
        await checkAccessibility(page, `settings, thresholds (${locale})`, t);
        await screenshot(page, `${locale}-approvals-01-settings`);

        await visit(page, '/users', locale);
        await page.locator('#email').fill(email);
        await page.locator('#role').selectOption('sales-agent');
        await clickAndWait(page, page.locator('form[action="/users"] button[type="submit"]'));
        link = await page.locator('#new-link').inputValue();
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });

    test('the sales agent asks for licenses: the change waits for approval', async (t) => {
      const context = await newContext(browser, locale);
      try {
        const page = await context.newPage();
        await visit(page, new URL(link).pathname, locale);
        await page.locator('#password').fill(password);
        await page.locator('#again').fill(password);
        await clickAndWait(page, page.locator('form button[type="submit"]'));
        await page.goto('/sign-in');
        await page.locator('#email').fill(email);
        await page.locator('#password').fill(password);
        await clickAndWait(page, page.locator('form[action="/sign-in"] button[type="submit"]'));

        await visit(page, DETAILS, locale);
        wanted = Number(await page.locator('#licenses').inputValue()) + 1;
        await page.locator('#licenses').fill(String(wanted));
        await clickAndWait(page, page.locator('form[action$="/licenses"] button[type="submit"]'));
        assert.match(new URL(page.url()).pathname, /^\/reviews\/[0-9a-f]{32}$/);
        assert.equal(await page.locator('button[data-approval]').count(), 1, 'Request approval');
        await checkAccessibility(page, `review, request approval (${locale})`, t);
        await screenshot(page, `${locale}-approvals-02-review`);
        await clickAndWait(page, page.locator('button[data-approval]'));
        const path = new URL(page.url()).pathname;
        assert.match(path, /^\/approvals\/[0-9a-f]{32}$/);
        request = path.split('/').pop();
        assert.equal(await page.locator('[data-state="pending"]').count() > 0, true);
        assert.equal(await page.locator('[data-decide="approve"]').count(), 0, 'not theirs');
        await checkAccessibility(page, `request, its requester (${locale})`, t);
        await screenshot(page, `${locale}-approvals-03-requested`);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });

    test('the global admin approves it on the Approvals page', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        await visit(page, '/approvals', locale);
        assert.ok(
          (await page.locator('nav a[href="/approvals"] [data-waiting]').count()) === 1,
          'counted in the navigation',
        );
        assert.equal(await page.locator(`tr[data-approval="${request}"]`).count(), 1);
        await checkAccessibility(page, `approvals (${locale})`, t);
        await screenshot(page, `${locale}-approvals-04-list`);
        await clickAndWait(page, page.locator(`tr[data-approval="${request}"] a`));
        assert.equal(await page.locator('[data-amount]').count() > 0, true, "the review's figures");
        await checkAccessibility(page, `request, an approver (${locale})`, t);
        await screenshot(page, `${locale}-approvals-05-decide`);
        await clickAndWait(page, page.locator('[data-decide="approve"]'));
        assert.equal(await page.locator('[data-state="approved"]').count() > 0, true);
        await checkAccessibility(page, `request, approved (${locale})`, t);

        await visit(page, DETAILS, locale);
        assert.equal(Number(await page.locator('#licenses').inputValue()), wanted);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });
  });
}
