// The admin in French, end to end in Chromium: a French browser gets the French admin (the
// catalogue inbox/i18n/admin.fr.txt, fetched by admin-boot.js), every tab shows no interface text
// left in English, the designer's validation errors read in French on the node, people's words
// (a dialogue's name) stay as written, and the language links switch and are remembered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, launchBrowser, freshWorkspace, closeAllSockets, shot } from './lib.mjs';
import { VIEWPORT } from './inbox-lib.mjs';

after(closeAllSockets);

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const lines = readFileSync(new URL('../../inbox/i18n/admin.fr.txt', import.meta.url), 'utf8')
  .split('\n').filter(Boolean).map((l) => l.split('\t'));
const catalogue = new Map(lines);
const fr = (en) => {
  const t = catalogue.get(en);
  assert.ok(t, `the catalogue has "${en}"`);
  return t;
};
// Interface texts whose French differs: one of these on a French page is a text the views
// wrote without passing it through the catalogue.
const english = new Set(lines.filter(([en, t]) => !en.includes('{') && en !== t).map(([en]) => en));

/** Texts of the page a person reads or hears: text nodes, labels, titles, placeholders. */
const visibleTexts = (page) => page.evaluate(() => {
  const out = [];
  const walk = document.createTreeWalker(document.getElementById('root'), NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const t = walk.currentNode.textContent.trim();
    // Skip what the page shows of people's words: inputs' values are not text nodes already.
    if (t && !walk.currentNode.parentElement.closest('[data-card], td, dd, .node-text, option')) out.push(t);
  }
  for (const e of document.querySelectorAll('#root [aria-label], #root [title], #root [placeholder]')) {
    for (const a of ['aria-label', 'title', 'placeholder']) if (e.getAttribute(a)) out.push(e.getAttribute(a).trim());
  }
  return out;
});

test('a French browser gets the admin in French: every tab, the designer\'s errors, and the language links', async () => {
  const { id: ws, admin: api } = await freshWorkspace('fr');
  const ctx = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR' });
  try {
    const page = await ctx.newPage();
    await page.goto(`${BASE}/admin.html`);
    await page.getByRole('button', { name: fr('Sign in') }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.getByLabel(fr('Workspace'), { exact: true }).fill(ws);
    await page.getByLabel(fr('Workspace admin key (wsk_…)')).fill(api.token);
    await page.getByRole('button', { name: fr('Sign in') }).click();
    const tabs = ['Overview', 'Conversations', 'Leads', 'Agents & teams', 'Canned replies', 'Settings',
      'Routing audit', 'Emails', 'Dialogues', 'Embed', 'Privacy', 'Webhooks'];
    await page.getByRole('tab', { name: fr('Conversations') }).waitFor({ timeout: 15_000 });
    const left = new Map();
    for (const tab of tabs) {
      await page.getByRole('tab', { name: fr(tab), exact: true }).click();
      await page.waitForTimeout(400);
      for (const t of await visibleTexts(page)) if (english.has(t)) left.set(t, tab);
    }
    assert.deepEqual([...left].map(([t, tab]) => `${tab}: ${t}`), [], 'no interface text left in English');

    // The designer: a validator's error on its node, in French; a dialogue's name as written.
    await page.getByRole('tab', { name: fr('Dialogues'), exact: true }).click();
    await page.getByRole('cell', { name: 'Welcome', exact: true }).waitFor();
    await page.getByRole('button', { name: fr('Edit {}').replace('{}', 'Welcome') }).click();
    await page.locator('.flow .node[data-card="live"]').click();
    await page.getByLabel(fr('Add after this card')).selectOption('message');
    await page.getByRole('button', { name: fr('Add card'), exact: true }).click();
    await page.locator('.flow .node.has-error[data-card="live"]').waitFor();
    await page.locator('.flow .node[data-card="live"]').click();
    const issue = await page.locator('.inspector .issue-error').first().innerText();
    const lead = fr('Error: {t}').split('{}')[0];
    const rule = fr('must be the last card of its branch; card "{}" comes after it.').split('{}')[0];
    assert.ok(issue.startsWith(lead) && issue.includes(rule), `the error reads in French: ${issue}`);
    assert.ok(!/must be the last card/.test(issue), `no English left in the error: ${issue}`);
    await shot(page, 'docs/screenshots/designer-error-fr.png');
    for (const t of await visibleTexts(page)) if (english.has(t)) left.set(t, 'designer');
    assert.deepEqual([...left].map(([t, tab]) => `${tab}: ${t}`), [], 'no interface text left in English in the designer');

    // English from the link, remembered without it.
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Sign in' }).or(page.getByRole('tab', { name: 'Conversations' })).first().waitFor();
    await page.goto(`${BASE}/admin.html`);
    await page.getByRole('tab', { name: 'Conversations' }).or(page.getByRole('button', { name: 'Sign in' })).first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  } finally {
    await ctx.close();
  }
});
