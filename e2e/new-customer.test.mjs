// Issue 31 in a browser: Add customer from the customer list → the domain prefix checked as
// it is typed (a taken one, then a free one) and by the check button, also without script → the
// review at its own address (Back keeps what was typed) → Confirm clicked twice: one customer,
// and the first admin's password shown once (a reload says "already done") → the customer in the list and found by a piece of its Chinese
// name and by its domain. In both languages, each page checked with axe.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  AT_PHONE,
  BASE,
  LOCALES,
  VIEWPORT,
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
    add: '添加客户',
    free: /可用/,
    taken: /已被使用/,
    created: '客户已创建。',
    company: '星河量子科技有限公司',
    piece: '量子',
    province: '上海市',
  },
  'en-US': {
    add: 'Add customer',
    free: /is available/,
    taken: /is taken/,
    created: 'The customer is created.',
    company: 'Northwind 贸易有限公司',
    piece: '贸易有',
    province: 'Shanghai',
  },
};

/** A prefix no other run of the suite (desktop or phone, either language) has taken. */
const prefix = (locale) =>
  `e2e${locale === 'zh-CN' ? 'zh' : 'en'}${AT_PHONE ? 'p' : 'd'}${Date.now() % 1_000_000}`;

async function fill(page, locale, words, domainPrefix) {
  await page.locator('#company_name').fill(words.company);
  await page.locator('#prefix').fill(domainPrefix);
  await page.locator('#last_name').fill(locale === 'zh-CN' ? '王' : 'Wang');
  await page.locator('#first_name').fill(locale === 'zh-CN' ? '小明' : 'Ming');
  await page.locator('#email').fill('wang@example.com');
  await page.locator('#phone').fill('021-6666-6666');
  await page.locator('#province').selectOption({ label: words.province });
  await page.locator('#city').fill(locale === 'zh-CN' ? '上海' : 'Shanghai');
  await page.locator('#address_line').fill('浦东新区世纪大道 100 号');
  await page.locator('#postal_code').fill('200120');
  await page.locator('#language').selectOption(locale);
}

for (const locale of LOCALES) {
  const words = WORDS[locale];
  describe(`add a customer (${locale})`, { timeout: 120_000 }, () => {
    const domainPrefix = prefix(locale);
    const domain = `${domainPrefix}.partner.onmschina.cn`;
    let customerPath;

    test('the availability check, with and without script', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        await visit(page, '/', locale);
        await clickAndWait(page, page.getByRole('link', { name: words.add, exact: true }));
        assert.equal(new URL(page.url()).pathname, '/customers/new');
        await checkAccessibility(page, `add customer (${locale})`, t);
        await screenshot(page, `${locale}-signup-01-form`);
        // As the prefix is typed: taken, then free.
        await page.locator('#prefix').pressSequentially('fabrikam');
        await page.locator('#prefix-status[data-code="domain_taken"]').waitFor();
        assert.match(squash(await page.locator('#prefix-status').textContent()), words.taken);
        await page.locator('#prefix').fill(domainPrefix);
        await page.locator('#prefix-status[data-code="domain_free"]').waitFor();
        assert.match(squash(await page.locator('#prefix-status').textContent()), words.free);
        await screenshot(page, `${locale}-signup-01-typed`);

        // The button asks the server the same.
        await page.locator('#prefix').fill('fabrikam');
        await clickAndWait(page, page.locator('button[name="check"]'));
        assert.match(squash(await page.locator('[data-code="domain_taken"]').textContent()), words.taken);
        assert.equal(await page.locator('#prefix').inputValue(), 'fabrikam', 'the prefix is kept');
        await checkAccessibility(page, `add customer, prefix taken (${locale})`, t);
        assertNoProblems(context);

        // The same check in a browser that runs no script.
        const state = await context.storageState();
        const bare = await browser.newContext({
          baseURL: BASE,
          locale,
          viewport: VIEWPORT,
          storageState: state,
          javaScriptEnabled: false,
        });
        try {
          const plain = await bare.newPage();
          await plain.goto('/customers/new');
          await plain.locator('#prefix').fill(domainPrefix);
          await Promise.all([plain.waitForNavigation(), plain.locator('button[name="check"]').click()]);
          assert.match(squash(await plain.locator('[data-code="domain_free"]').textContent()), words.free);
          assert.match(squash(await plain.locator('[data-code="domain_free"]').textContent()), new RegExp(domain));
        } finally {
          await bare.close();
        }
      } finally {
        await context.close();
      }
    });

    test('review, Confirm, the password shown once', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        await visit(page, '/customers/new', locale);
        await fill(page, locale, words, domainPrefix);
        await clickAndWait(page, page.locator('form.signup-form button.button-primary'));
        await assertLanguage(page, locale);
        assert.equal(squash(await page.locator('h1').textContent()), words.company);
        const facts = squash(await page.locator('dl.facts').textContent());
        assert.ok(facts.includes(domain), facts);
        assert.ok(facts.includes(`admin@${domain}`), facts);
        await checkAccessibility(page, `add customer, review (${locale})`, t);
        await screenshot(page, `${locale}-signup-02-review`);

        // Back keeps what was typed; then the review again.
        await clickAndWait(page, page.locator('form.review-actions button[name="edit"]'));
        assert.equal(await page.locator('#prefix').inputValue(), domainPrefix);
        assert.equal(await page.locator('#company_name').inputValue(), words.company);
        await clickAndWait(page, page.locator('form.signup-form button.button-primary'));

        // A double click on Confirm: one customer, and its password on the page.
        await Promise.all([
          page.waitForNavigation({ waitUntil: 'load' }),
          page.locator('form.review-actions button.button-primary').dblclick(),
        ]);
        assert.equal(squash(await page.locator('.notice-success').textContent()), words.created);
        const password = (await page.locator('[data-code="password"]').textContent()).trim();
        assert.equal(password.length, 16);
        await checkAccessibility(page, `add customer, created (${locale})`, t);
        await screenshot(page, `${locale}-signup-03-created`);
        customerPath = await page.locator('.page-links a.button').getAttribute('href');
        assert.match(customerPath, /^\/customers\/[^/]+\/subscriptions$/);
        // The review's own address showed it; a reload there shows it no more: already done,
        // with a link to the customer.
        assert.match(new URL(page.url()).pathname, /^\/reviews\/[0-9a-f]{32}$/);
        await page.reload({ waitUntil: 'load' });
        assert.equal(await page.locator('[data-code="password"]').count(), 0, 'shown once');
        assert.equal(await page.locator('[data-code="already_done"]').count(), 1, 'already done');
        assert.equal(await page.locator(`a[rel="result"][href="${customerPath}"]`).count(), 1);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });

    test('the new customer in the list and the search', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        for (const q of [words.piece, domain]) {
          await visit(page, `/?q=${encodeURIComponent(q)}`, locale);
          const link = page.locator(`a[href="${customerPath}"]`);
          assert.equal(await link.count(), 1, `found by ${q}`);
        }
        await checkAccessibility(page, `customer list, the new customer found (${locale})`, t);
        await screenshot(page, `${locale}-signup-04-found`);
        await visit(page, customerPath, locale);
        assert.ok(squash(await page.locator('main').textContent()).includes(words.company));
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });
  });
}
