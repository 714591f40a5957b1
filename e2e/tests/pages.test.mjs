// Pages fixed after outside testing (issue 11): the report fits a 1366 px
// laptop screen, a projector before check-in opens says when it opens, a
// missing course is a 404 page, and a student is refused a staff page in
// their own frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, DESKTOP, launch, login, open, shot, utcInputs } from './helpers.mjs';

const run = `p${Date.now().toString(36)}`;
const code = `PG-${run}`.toUpperCase();
const student = { username: `stu-${run}`, name: 'Ana Beatriz Figueiredo', password: `pw-${run}-stu` };
const LAPTOP = { viewport: { width: 1366, height: 768 } };
let browser;
let admin;
const state = {};

before(async () => {
  browser = await launch();
  admin = await open(browser, LAPTOP);
  await login(admin.page, 'admin', ADMIN_PASSWORD);
  const { page } = admin;
  await page.goto('/admin/users/new');
  await page.getByLabel('Username').fill(student.username);
  await page.getByLabel('Full name').fill(student.name);
  await page.getByLabel('Email').fill(`${student.username}@example.edu`);
  await page.getByLabel('Role').selectOption('student');
  await page.getByLabel(/^Password/).fill(student.password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.waitForURL('**/admin/users');
  await page.goto('/courses');
  await page.getByLabel(/^Code/).fill(code);
  await page.getByLabel('Title').fill('Numerical Methods for Engineers');
  await page.getByLabel('Term').fill('2026 Autumn');
  await page.getByLabel('Time zone').fill('UTC');
  await page.getByRole('button', { name: 'Create course' }).click();
  await page.waitForURL(/\/courses\/[\w-]+$/);
  state.course = new URL(page.url()).pathname;
  // A term's worth of sessions, most of them past: a wide matrix.
  const series = page.locator('#new-series');
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) {
    await series.getByLabel(day).check();
  }
  await series.getByLabel('From').fill(utcInputs(new Date(Date.now() - 49 * 86_400_000)).date);
  await series.getByLabel('Until').fill(utcInputs(new Date(Date.now() + 14 * 86_400_000)).date);
  await series.getByLabel('Room').fill('B-204');
  await series.getByRole('button', { name: 'Create series' }).click();
  await page.getByText(/sessions created\./).waitFor();
  await page.goto(`${state.course}/students`);
  await page.locator('#add-existing').getByLabel('Username').fill(student.username);
  await page.locator('#add-existing').getByRole('button').click();
  await page.getByRole('cell', { name: student.name, exact: true }).waitFor();
});

after(async () => {
  await browser?.close();
});

test('the report fits a 1366 px screen and counts only sessions held', async () => {
  const { page } = admin;
  await page.goto(`${state.course}/report`);
  await page.locator('#report-matrix').waitFor();
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 1366, `the page is ${width} px wide`);
  const matrix = await page.locator('#report-matrix thead th').count();
  const text = await page.locator('main').innerText();
  const held = Number(/(\d+) sessions? held so far/.exec(text)?.[1]);
  assert.ok(held > 0 && held < matrix - 8, `held ${held} of ${matrix - 8} columns`);
  await shot(page, 'report-1366');
});

test('a projector before check-in opens says when, instead of a code', async () => {
  const { page } = admin;
  await page.goto(state.course);
  const form = page.locator('#new-session');
  const tomorrow = new Date(Date.now() + 86_400_000);
  await form.getByLabel('Date').fill(utcInputs(tomorrow).date);
  await form.getByLabel('Starts').fill('10:00');
  await form.getByLabel('Ends').fill('11:30');
  await form.getByLabel('Room').fill('B-204');
  await form.getByRole('button', { name: 'Create session' }).click();
  await page.waitForURL(/\/sessions\/\d+$/);
  await page.goto(`${new URL(page.url()).pathname}/projector`);
  await page.getByText('Check-in opens at').waitFor();
  assert.equal(await page.locator('#qr svg').count(), 0, 'no code before it opens');
  assert.match(await page.locator('#qr').innerText(), /opens at\s+09:50/);
  await shot(page, 'projector-opens-at');
});

test('a missing course is a 404 page in the viewer\'s frame', async () => {
  const { page } = admin;
  const response = await page.goto('/courses/999999');
  assert.equal(response.status(), 404);
  await page.getByRole('heading', { name: 'Not found' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await shot(page, 'not-found');
});

test('a student is refused the report in their own frame', async () => {
  const { context, page } = await open(browser, DESKTOP);
  await login(page, student.username, student.password);
  const response = await page.goto(`${state.course}/report`);
  assert.equal(response.status(), 403);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  await page.getByRole('link', { name: 'My attendance' }).waitFor();
  assert.equal(await page.getByText('Download CSV').count(), 0);
  await shot(page, 'student-refused');
  await context.close();
});
