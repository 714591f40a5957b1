// The pages around the main flow: weekly series, editing, cancelling and
// closing sessions; adding, creating and removing students; editing users
// and resetting passwords; course settings; the supervision pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, DESKTOP, launch, login, open, shot, utcInputs } from './helpers.mjs';

const run = `m${Date.now().toString(36)}`;
const prof = { username: `prof-${run}`, name: 'Grace Hopper', password: `pw-${run}-prof` };
const code = `MG-${run}`.toUpperCase();
let browser;
let admin;
let professor;
const state = {};

before(async () => {
  browser = await launch();
  admin = await open(browser, DESKTOP);
  await login(admin.page, 'admin', ADMIN_PASSWORD);
  const { page } = admin;
  await page.goto('/admin/users/new');
  await page.getByLabel('Username').fill(prof.username);
  await page.getByLabel('Full name').fill(prof.name);
  await page.getByLabel('Email').fill(`${prof.username}@example.edu`);
  await page.getByLabel('Role').selectOption('professor');
  await page.getByLabel(/^Password/).fill(prof.password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.waitForURL('**/admin/users');
  await page.goto('/courses');
  await page.getByLabel(/^Code/).fill(code);
  await page.getByLabel('Title').fill('Compilers');
  await page.getByLabel('Term').fill('2026 Spring');
  await page.getByLabel('Time zone').fill('UTC');
  await page.getByLabel(`${prof.name} (${prof.username})`).check();
  await page.getByRole('button', { name: 'Create course' }).click();
  await page.waitForURL(/\/courses\/[\w-]+$/);
  state.course = new URL(page.url()).pathname;
  professor = await open(browser, DESKTOP);
  await login(professor.page, prof.username, prof.password);
});

after(async () => {
  await browser?.close();
});

test('a weekly series creates one session per chosen day', async () => {
  const { page } = professor;
  await page.goto(state.course);
  const form = page.locator('#new-series');
  await form.getByLabel('Monday').check();
  await form.getByLabel('Thursday').check();
  const from = new Date(Date.now() + 7 * 86_400_000);
  const until = new Date(from.getTime() + 13 * 86_400_000);
  await form.getByLabel('From').fill(utcInputs(from).date);
  await form.getByLabel('Until').fill(utcInputs(until).date);
  await form.getByLabel('Room').fill('Lab 2');
  await form.getByRole('button', { name: 'Create series' }).click();
  await page.getByText('4 sessions created.').waitFor();
});

test('a series without days is refused next to the days', async () => {
  const { page } = professor;
  await page.goto(state.course);
  const form = page.locator('#new-series');
  await form.getByLabel('Until').fill(utcInputs(new Date(Date.now() + 20 * 86_400_000)).date);
  await form.getByRole('button', { name: 'Create series' }).click();
  await page.locator('#new-series .field-error, #new-series .form-error').first().waitFor();
});

test('a session is created, edited, closed; another is cancelled', async () => {
  const { page } = professor;
  await page.goto(state.course);
  const start = new Date(Date.now() - 2 * 60_000);
  const form = page.locator('#new-session');
  await form.getByLabel('Date').fill(utcInputs(start).date);
  await form.getByLabel('Starts').fill(utcInputs(start).time);
  await form.getByLabel('Ends').fill(utcInputs(new Date(start.getTime() + 3_600_000)).time);
  await form.getByLabel('Room').fill('B1');
  await form.getByRole('button', { name: 'Create session' }).click();
  await page.waitForURL(/\/sessions\/[\w-]+$/);
  const session = new URL(page.url()).pathname;

  await page.getByRole('link', { name: 'Edit' }).click();
  await page.getByLabel('Room').fill('B2');
  await page.getByLabel('Title').fill('Parsing');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Session saved.').waitFor();
  await page.locator('p.muted', { hasText: 'B2' }).waitFor();

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Close now' }).click();
  await page.getByText(/Session closed/).first().waitFor();
  assert.equal((await page.locator('#session-state').innerText()).trim(), 'Closed');

  await page.goto(state.course);
  await page.locator('table').filter({ hasText: 'Lab 2' }).first().getByRole('link', { name: 'Roll' }).first().click();
  await page.locator('summary', { hasText: 'Cancel session' }).click();
  await page.getByLabel('Reason (optional)').fill('Holiday');
  await page.getByRole('button', { name: 'Cancel this session' }).click();
  await page.getByText('Session cancelled.').waitFor();
  assert.equal((await page.locator('#session-state').innerText()).trim(), 'Cancelled');
  assert.ok(session);
});

test('students are created, added and removed one by one', async () => {
  const { page } = professor;
  await page.goto(`${state.course}/students`);
  await page.locator('#create summary').click();
  const create = page.locator('#create');
  await create.getByLabel('Username').fill(`new-${run}`);
  await create.getByLabel('Full name').fill('Nova Student');
  await create.getByLabel('Email').fill(`new-${run}@example.edu`);
  await create.getByLabel('Student number').fill(`N${run}`);
  await create.getByRole('button', { name: 'Create and enroll' }).click();
  const password = (await page.locator('#one-time-password').innerText()).trim();
  assert.ok(password.length >= 8, 'a one-time password is shown');
  await page.getByRole('link', { name: 'Done' }).click();
  await page.getByRole('cell', { name: 'Nova Student', exact: true }).waitFor();

  await page.locator('#add-existing').getByLabel('Username').fill(`nobody-${run}`);
  await page.locator('#add-existing').getByRole('button', { name: 'Enroll' }).click();
  await page.locator('#existing-error').waitFor();

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Remove Nova Student' }).click();
  await page.getByText('Student removed from the course').waitFor();
  assert.equal(await page.getByRole('cell', { name: 'Nova Student', exact: true }).count(), 0);

  await page.locator('#add-existing').getByLabel('Username').fill(`new-${run}`);
  await page.locator('#add-existing').getByRole('button', { name: 'Enroll' }).click();
  await page.getByText(`new-${run} is enrolled.`).waitFor();
});

test('course settings are saved and checked by the API', async () => {
  const { page } = professor;
  await page.goto(`${state.course}/edit`);
  await page.getByLabel(/Seconds between QR codes/).fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#course-settings-qr_rotation_seconds-error').waitFor();
  await page.getByLabel(/Seconds between QR codes/).fill('15');
  await page.getByLabel(/Unexcused absences/).fill('3');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Course settings saved.').waitFor();
  await page.goto(`${state.course}/edit`);
  assert.equal(await page.getByLabel(/Seconds between QR codes/).inputValue(), '15');
});

test('a professor changes their own password', async () => {
  const { page } = professor;
  const fresh = `new-${prof.password}`;
  await page.goto('/account/password');
  await page.getByLabel('Current password').fill('wrong-password');
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again').fill(fresh);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#current_password-error').waitFor();
  await page.getByLabel('Current password').fill(prof.password);
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again').fill('something else');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#confirm_password-error').waitFor();
  await page.getByLabel('Current password').fill(prof.password);
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again').fill(fresh);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password is changed.').waitFor();
  prof.password = fresh;
  await page.goto('/courses');
  await page.getByRole('link', { name: code }).waitFor();
});

test('an administrator edits a user and resets a password', async () => {
  const { page } = admin;
  await page.goto(`/admin/users?q=${prof.username}`);
  await page.getByRole('link', { name: prof.name }).click();
  await page.getByLabel('Full name').fill('Grace B. Hopper');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`Saved ${prof.username}.`).waitFor();
  await page.getByRole('link', { name: 'Grace B. Hopper' }).click();
  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Reset password' }).click();
  const fresh = (await page.locator('#one-time-password').innerText()).trim();
  const other = await open(browser, DESKTOP);
  await login(other.page, prof.username, fresh);
  // a password the server chose is changed before anything else
  await other.page.waitForURL('**/account/password');
  await other.page.getByText('choose your own before you go on').waitFor();
  const own = `own-${prof.password}`;
  await other.page.getByLabel('Current password').fill(fresh);
  await other.page.getByLabel('New password', { exact: true }).fill(own);
  await other.page.getByLabel('New password again').fill(own);
  await other.page.getByRole('button', { name: 'Change password' }).click();
  await other.page.getByText('Your password is changed.').waitFor();
  await other.page.waitForURL('**/courses');
  prof.password = own;
  await other.context.close();
});

test('supervision pages and a missing page answer in plain words', async () => {
  const { page } = admin;
  for (const path of ['/admin', '/admin/rejections', '/admin/audit', '/justifications', '/sessions']) {
    const response = await page.goto(path);
    assert.equal(response.status(), 200, path);
    const text = await page.locator('main').innerText();
    assert.doesNotMatch(text, /\b(status|code) ?[0-9]{1,3}\b|Unimplemented|panicked/i, path);
    if (path === '/admin/audit') await shot(page, 'audit', { fullPage: true });
  }
  const missing = await page.goto('/no/such/page');
  assert.equal(missing.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
});
