// Shared pieces of the browser tests: the browser, logins, QR decoding,
// screenshots and a small CSV reader.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';

export const BASE = process.env.CLASSTRACK_URL ?? 'http://127.0.0.1:8080';
export const ADMIN_PASSWORD = process.env.CLASSTRACK_ADMIN_PASSWORD ?? '';

const here = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(here, '..', '..', 'docs', 'screenshots');
const UPDATE = process.env.UPDATE_SCREENSHOTS === '1';

export const PHONE = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36',
};
export const DESKTOP = { viewport: { width: 1280, height: 860 } };
export const PROJECTOR = { viewport: { width: 1600, height: 900 } };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh browser context (its own cookies) and a page in it; `extra` adds
 *  context options (e.g. a mocked `geolocation`, another server's `baseURL`). */
export async function open(browser, shape = DESKTOP, extra = {}) {
  const context = await browser.newContext({ ...shape, baseURL: BASE, acceptDownloads: true, ...extra });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.problems = problems;
  return { context, page };
}

export async function login(page, username, password) {
  if (!page.url().includes('/login')) {
    await page.goto('/login');
  }
  await page.getByLabel('Username or email').fill(username);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Log in' }).click()]);
}

/** Reads the QR code shown in `locator` from a screenshot. */
export async function decodeQr(locator) {
  const png = PNG.sync.read(await locator.screenshot());
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error('no QR code found in the screenshot');
  return found.data;
}

export async function shot(page, name, options = {}) {
  if (!UPDATE) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), ...options });
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f !== ''));
}

/** Two-digit UTC parts of a date, for form inputs in a UTC course. */
export function utcInputs(date) {
  const iso = date.toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}
