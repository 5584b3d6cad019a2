import fs from 'node:fs';
import path from 'node:path';

import { makeTempDir, removeDir } from '@service-trust/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { browserTestsEnabled, launchChromium } from './browser';
import { startBuiltService, type ServiceProcess } from './processes';

/** Folder of the screenshots that the test writes, under `tmp/`, which git ignores. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', '..', 'tmp', 'screenshots');

const JPD_PASSWORD = 'browser-jpd-admin-password';
const MC_PASSWORD = 'browser-mc-admin-password';

const describeInBrowser = browserTestsEnabled() ? describe : describe.skip;

describeInBrowser('admin pages in Chromium', () => {
  const dir = makeTempDir('admin-pages');
  const running: ServiceProcess[] = [];
  let browser: Browser | undefined;
  let context: BrowserContext;
  /** Every URL the pages requested, to show that they load nothing from other hosts. */
  const requested: string[] = [];
  /** Script errors and Content Security Policy violations in either page. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // Heartbeats and probes every second, so the JPD list shows a heartbeat and a revoked trust
    // turns up as UNAUTHORIZED after a refresh or two.
    const env = (name: string, password: string) => ({
      DATA_DIR: path.join(dir, name),
      ADMIN_PASSWORD: password,
      HEARTBEAT_INTERVAL_SECONDS: '1',
      PROBE_INTERVAL_SECONDS: '1',
      LOG_LEVEL: 'warn',
    });
    running.push(await startBuiltService('jpd-access', env('jpd', JPD_PASSWORD)));
    running.push(await startBuiltService('mission-control', env('mc', MC_PASSWORD)));

    browser = await launchChromium();
    context = await browser.newContext({
      permissions: ['clipboard-read', 'clipboard-write'],
      viewport: { width: 1280, height: 900 },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(running.map((service) => service.stop()));
    removeDir(dir);
  });

  const openPage = async (url: string): Promise<Page> => {
    const page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        pageErrors.push(message.text());
    });
    // Revoke and delete ask for confirmation, which the administrator gives.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(url);
    return page;
  };

  const signIn = async (page: Page, password: string) => {
    await page.getByLabel('Password').fill(password);
    await page.getByLabel('Password').press('Enter');
    await page.locator('#signed-in').waitFor({ state: 'visible' });
  };

  const focusedText = (page: Page) => page.locator(':focus').textContent();

  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  it('pairs and revokes a JPD through both pages', async () => {
    const [jpd, mc] = running;

    // On the JPD: sign in and generate a two-way pairing token for Mission Control.
    const jpdPage = await openPage(`${jpd.url}/ui/`);
    await screenshot(jpdPage, '1-jpd-sign-in');
    await signIn(jpdPage, JPD_PASSWORD);
    await jpdPage.getByLabel('Use case').selectOption('mission-control');
    await jpdPage.getByLabel(/Two-way trust/).check();
    await jpdPage.getByLabel(/Two-way trust/).focus();
    // Generate and Copy by keyboard: Tab reaches Generate, and the page then focuses Copy.
    await jpdPage.keyboard.press('Tab');
    expect(await focusedText(jpdPage)).toBe('Generate');
    await jpdPage.keyboard.press('Enter');
    await jpdPage.locator('#generated').waitFor({ state: 'visible' });
    expect(await focusedText(jpdPage)).toBe('Copy');

    expect(await jpdPage.locator('#generated-expires-in').textContent()).toBe('300 seconds');
    const tokenId = (await jpdPage.locator('#generated-token-id').textContent()) ?? '';
    expect(tokenId).toMatch(/^[0-9a-f-]{36}$/);
    const token = await jpdPage.getByLabel('Token', { exact: true }).inputValue();
    expect(token).toMatch(/^eyJ/);

    await jpdPage.keyboard.press('Enter');
    await jpdPage.getByText('Copied to the clipboard.').waitFor();
    const unusedRow = jpdPage.locator('#tokens-body tr', { hasText: tokenId });
    expect(await unusedRow.locator('.badge').textContent()).toBe('unused');
    await screenshot(jpdPage, '2-jpd-pairing-token');

    // On Mission Control: a bad token shows the server's error, then the pasted token adds the JPD.
    const mcPage = await openPage(`${mc.url}/ui/`);
    await signIn(mcPage, MC_PASSWORD);
    await mcPage.getByLabel('Name', { exact: true }).fill('browser-jpd');
    await mcPage.getByLabel(/^URL/).fill(jpd.url);
    await mcPage.getByLabel(/Pairing token/).fill('not-a-token');
    await mcPage.getByRole('button', { name: 'Add JPD' }).click();
    const addMessage = mcPage.locator('#add-message.error');
    await addMessage.waitFor();
    expect(await addMessage.textContent()).toMatch(/token/i);

    await mcPage.getByLabel(/Pairing token/).fill('');
    await mcPage.getByLabel(/Pairing token/).focus();
    await mcPage.keyboard.press('ControlOrMeta+V');
    expect(await mcPage.getByLabel(/Pairing token/).inputValue()).toBe(token);
    await mcPage.getByLabel(/City/).fill('Sunnyvale');
    await mcPage.getByLabel(/Country code/).fill('US');
    await mcPage.getByLabel(/Tags/).fill('browser, e2e');
    await mcPage.getByRole('button', { name: 'Add JPD' }).click();
    await mcPage.locator('#add-message.success').waitFor();

    const jpdRow = mcPage.locator('#jpds-body tr', { hasText: 'browser-jpd' });
    expect(await jpdRow.locator('[data-status]').textContent()).toBe('ONLINE');
    expect(await jpdRow.locator('[data-trust]').textContent()).toBe('two-way');
    await screenshot(mcPage, '3-mc-jpd-online');

    // On the JPD: the token is used, and revoking Mission Control's trust ends the pairing.
    await jpdPage.getByRole('button', { name: 'Refresh' }).last().click();
    await jpdPage.locator('#tokens-body tr', { hasText: tokenId }).getByText('used').waitFor();
    await jpdPage.getByRole('button', { name: 'Refresh' }).first().click();
    const peerRow = jpdPage.locator('#peers-body tr', { hasText: mc.url });
    expect(await peerRow.locator('td').nth(3).textContent()).toBe('two-way');
    await peerRow.getByRole('button', { name: /Revoke trust/ }).click();
    await jpdPage.getByText(/Revoked the trust of/).waitFor();
    expect(await peerRow.locator('.badge').textContent()).toBe('revoked');
    await screenshot(jpdPage, '4-jpd-trust-revoked');

    // On Mission Control: the next probe finds the master token revoked.
    const status = jpdRow.locator('[data-status]');
    const deadline = Date.now() + 20_000;
    for (;;) {
      await mcPage.reload();
      await mcPage.locator('#signed-in').waitFor({ state: 'visible' });
      if ((await status.textContent()) === 'UNAUTHORIZED' || Date.now() > deadline) break;
      await mcPage.waitForTimeout(500);
    }
    expect(await status.textContent()).toBe('UNAUTHORIZED');
    await screenshot(mcPage, '5-mc-jpd-unauthorized');

    await jpdRow.getByRole('button', { name: 'Delete browser-jpd' }).click();
    await mcPage.getByText('No JPD added yet.').waitFor();

    // Signing out in a second tab ends the session on the server, so the first tab's next
    // request returns it to the sign-in form.
    const secondTab = await openPage(`${jpd.url}/ui/`);
    await secondTab.getByRole('button', { name: 'Sign out' }).click();
    await secondTab.locator('#sign-in').waitFor({ state: 'visible' });
    await jpdPage.getByRole('button', { name: 'Refresh' }).first().click();
    await jpdPage.getByText('Your session has ended. Sign in again.').waitFor();
    expect(await jpdPage.locator('#signed-in').isHidden()).toBe(true);

    const origins = new Set(requested.map((url) => new URL(url).origin));
    expect([...origins].sort()).toEqual([jpd.url, mc.url].sort());
    expect(pageErrors).toEqual([]);
  });
});
