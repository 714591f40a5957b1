// A real, certified OpenID Connect provider (the `oidc-provider` package) for
// ClassTrack's tests, on a loopback port: one confidential client, a few
// accounts with claims (groups included), the package's development login
// form, and RP-initiated logout.
//
// The signing key is made at start and published as the provider's static
// JWKS. For the refusal tests, a test-only switch changes the next token
// response on its way out:
//   POST /__test/next-token/tamper     the ID token's payload changed, its signature kept
//   POST /__test/next-token/wrong-aud  an ID token for another client, signed with the real key
//   POST /__test/next-token/foreign    an ID token signed by a key the provider never published
//
// Environment: OIDC_PORT (required), OIDC_CLIENT_ID (classtrack),
// OIDC_CLIENT_SECRET (required), OIDC_REDIRECT_URIS and
// OIDC_POST_LOGOUT_REDIRECT_URIS (comma-separated). Prints
// "oidc provider listening at URL" once it serves.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
if (!port) throw new Error('OIDC_PORT must be set');
const secret = process.env.OIDC_CLIENT_SECRET;
if (!secret) throw new Error('OIDC_CLIENT_SECRET must be set');
const clientId = process.env.OIDC_CLIENT_ID ?? 'classtrack';
const list = (v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const issuer = `http://127.0.0.1:${port}`;

/** The people the provider knows, by login (also their `sub`'s base). */
export const ACCOUNTS = {
  // A student, provisioned at the first login.
  ana: { preferred_username: 'ana.sso', name: 'Ana Sso', email: 'ana.sso@example.edu', email_verified: true, student_number: 'S-1001', groups: ['students'] },
  // A professor through the /staff group.
  prof: { preferred_username: 'prof.sso', name: 'Professor Sso', email: 'prof.sso@example.edu', email_verified: true, groups: ['/staff'] },
  // Matches a local account by username (linked at the first login).
  lin: { preferred_username: 'lin.local', name: 'Lin Linked', email: 'lin.local@example.edu', email_verified: true, groups: [] },
  // Username of one local account, email of another: a conflict.
  clash: { preferred_username: 'clash.one', name: 'Clash', email: 'clash.two@example.edu', email_verified: true, groups: [] },
  // An email the provider has not verified.
  unverified: { preferred_username: 'unverified.sso', name: 'Not Verified', email: 'unverified@example.edu', email_verified: false, groups: [] },
  // Used by the refusal tests (never gets a ClassTrack login).
  mallory: { preferred_username: 'mallory.sso', name: 'Mallory', email: 'mallory@example.edu', email_verified: true, groups: [] },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e-1', use: 'sig', alg: 'RS256' };
const { privateKey: foreignKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: secret,
      redirect_uris: list(process.env.OIDC_REDIRECT_URIS),
      post_logout_redirect_uris: list(process.env.OIDC_POST_LOGOUT_REDIRECT_URIS),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username', 'groups', 'student_number'],
  },
  // The scopes' claims in the ID token itself, as Entra ID and Keycloak do.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(_ctx, id) {
    const claims = ACCOUNTS[id];
    if (!claims) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: `sub-${id}`, ...claims };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;

let nextToken = null;
provider.use(async (ctx, next) => {
  const test = ctx.path.match(/^\/__test\/next-token\/([a-z-]+)$/);
  if (test && ctx.method === 'POST') {
    nextToken = test[1];
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === '/token' && nextToken && ctx.status === 200 && ctx.body?.id_token) {
    const mode = nextToken;
    nextToken = null;
    ctx.body = { ...ctx.body, id_token: altered(ctx.body.id_token, mode) };
  }
});

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString());

function signed(header, payload, key) {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

function altered(idToken, mode) {
  const [h, p, s] = idToken.split('.');
  const header = json(h);
  const payload = json(p);
  switch (mode) {
    case 'tamper':
      return `${h}.${b64({ ...payload, email: 'someone.else@example.edu' })}.${s}`;
    case 'wrong-aud':
      return signed(header, { ...payload, aud: 'another-client' }, createPrivateKey({ key: signingJwk, format: 'jwk' }));
    case 'foreign':
      return signed(header, payload, foreignKey);
    default:
      throw new Error(`unknown token mode ${mode}`);
  }
}

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc provider listening at ${issuer}`);
});
