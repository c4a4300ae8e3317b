// Bitu's test identity provider: the npm package oidc-provider (OpenID Connect discovery,
// authorization code with PKCE, JWKS, userinfo, end session, dynamic client registration),
// plus look-alikes of MediaWiki's OAuth 2.0 (rest.php/oauth2/...) and Phabricator's OAuth
// server (/oauthserver/..., /api/user.whoami) answering in their documented JSON shapes.
//
//   node server.js [--port 9090] [--host 127.0.0.1] [--tamper MODE]
//
// MODE makes the token endpoint hand out a broken ID token, for Bitu's tests of its checks:
// wrong_audience, expired or bad_signature. Accounts: any login name; the password is not
// checked (dev interactions). Claims: sub and username are the login name, groups
// ["developers"] (none for names starting with "nogroups"). A static client "bitu"
// (secret "bitu-dev-oidc-secret") allows the redirect URIs in BITU_DEV_OIDC_REDIRECTS
// (comma separated; default http://localhost:8000/complete/oidc/); tests register their own
// clients at /reg (RFC 7591).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

import {
  SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair,
} from 'jose';
import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.BITU_DEV_OIDC_PORT || '9090' },
    host: { type: 'string', default: '127.0.0.1' },
    tamper: { type: 'string', default: '' },
  },
});
const TAMPER_MODES = ['', 'wrong_audience', 'expired', 'bad_signature'];
if (!TAMPER_MODES.includes(args.tamper)) {
  console.error(`unknown --tamper ${args.tamper}; one of ${TAMPER_MODES.join(', ')}`);
  process.exit(2);
}
const port = Number(args.port);
const issuer = `http://${args.host}:${port}`;

// Secrets of the OAuth 2.0 look-alikes: any client id, this secret.
const MEDIAWIKI_SECRET = 'mediawiki-dev-secret';
const PHABRICATOR_SECRET = 'phabricator-dev-secret';

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'bitu-dev', alg: 'RS256', use: 'sig' };
// Same key id, another key: what a forged token looks like.
const { privateKey: forgerKey } = await generateKeyPair('RS256', { extractable: true });

const redirects = (process.env.BITU_DEV_OIDC_REDIRECTS || 'http://localhost:8000/complete/oidc/')
  .split(',').map((s) => s.trim()).filter(Boolean);

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'bitu',
    client_secret: 'bitu-dev-oidc-secret',
    redirect_uris: redirects,
    post_logout_redirect_uris: redirects.map((r) => new URL('/', r).href),
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [randomBytes(16).toString('hex')] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    profile: ['username', 'name'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  features: {
    devInteractions: { enabled: true },
    registration: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        const claims = {
          sub: id,
          username: id,
          name: id,
          email: `${id}@example.org`,
          email_verified: true,
        };
        if (!id.startsWith('nogroups')) claims.groups = ['developers'];
        return claims;
      },
    };
  },
});

// Breaks the ID token of token responses as --tamper asks.
provider.use(async (ctx, next) => {
  await next();
  if (!args.tamper || ctx.path !== '/token' || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const header = decodeProtectedHeader(ctx.body.id_token);
  let key = privateKey;
  if (args.tamper === 'wrong_audience') claims.aud = 'someone-else';
  if (args.tamper === 'expired') {
    claims.iat -= 7200;
    claims.exp = claims.iat + 60;
  }
  if (args.tamper === 'bad_signature') key = forgerKey;
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT(claims)
      .setProtectedHeader(header)
      .sign(key),
  };
});

// ------------------------------------------------- OAuth 2.0 look-alikes --

// code -> grant, access token -> account; both kept in memory for this process's life.
const codes = new Map();
const tokens = new Map();

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res, status, body, headers = {}) {
  const json = typeof body !== 'string';
  res.writeHead(status, {
    'content-type': json ? 'application/json' : 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(json ? JSON.stringify(body) : body);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// A stable central user id per global account name, as MediaWiki's CentralAuth has one.
function centralId(name) {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % 1000000 + 1;
}

// The consent page: who are you (the account at that site), allow or cancel.
function authorizePage(system, url) {
  const hidden = [...url.searchParams]
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
    .join('\n');
  const idField = system === 'mediawiki'
    ? '<label>Central user id (optional, for renames) <input name="sub" id="sub"></label>'
    : '<label>PHID (optional) <input name="phid" id="phid"></label>';
  return `<!DOCTYPE html><html><head><title>${system} authorization</title></head><body>
<h1>Allow Bitu to know your ${system} account?</h1>
<form method="post" action="${escape(url.pathname)}">
${hidden}
<label>Username <input name="username" id="username" required></label>
${idField}
<button name="decision" value="allow" id="allow">Allow</button>
<button name="decision" value="deny" id="deny" formnovalidate>Cancel</button>
</form></body></html>`;
}

function redirectBack(res, redirectUri, params) {
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) target.searchParams.set(k, v);
  res.writeHead(302, { location: target.href });
  res.end();
}

async function authorize(system, req, res, url) {
  if (req.method === 'GET') {
    const missing = ['client_id', 'redirect_uri', 'state', 'response_type']
      .filter((k) => !url.searchParams.get(k));
    if (missing.length) return send(res, 400, { error: 'invalid_request', missing });
    return send(res, 200, authorizePage(system, url));
  }
  const form = await readForm(req);
  const redirectUri = form.get('redirect_uri');
  if (form.get('decision') !== 'allow') {
    return redirectBack(res, redirectUri, { error: 'access_denied', state: form.get('state') });
  }
  const username = form.get('username');
  const account = system === 'mediawiki'
    ? { sub: Number(form.get('sub')) || centralId(username), username }
    : { phid: form.get('phid') || `PHID-USER-${createHash('sha256').update(username).digest('hex').slice(0, 20)}`, userName: username };
  const code = randomUUID();
  codes.set(code, {
    system,
    account,
    clientId: form.get('client_id'),
    redirectUri,
    challenge: form.get('code_challenge'),
  });
  return redirectBack(res, redirectUri, { code, state: form.get('state') });
}

async function token(system, req, res) {
  if (req.method !== 'POST') return send(res, 405, { error: 'invalid_request' });
  const form = await readForm(req);
  let clientId = form.get('client_id');
  let secret = form.get('client_secret');
  const basic = /^Basic (.+)$/.exec(req.headers.authorization || '');
  if (basic) {
    [clientId, secret] = Buffer.from(basic[1], 'base64').toString().split(':').map(decodeURIComponent);
  }
  const expected = system === 'mediawiki' ? MEDIAWIKI_SECRET : PHABRICATOR_SECRET;
  if (secret !== expected) return send(res, 401, { error: 'invalid_client' });
  const grant = codes.get(form.get('code'));
  codes.delete(form.get('code'));
  if (!grant || grant.system !== system || grant.clientId !== clientId
      || grant.redirectUri !== form.get('redirect_uri')
      || form.get('grant_type') !== 'authorization_code') {
    return send(res, 400, { error: 'invalid_grant' });
  }
  if (grant.challenge) {
    const verifier = form.get('code_verifier') || '';
    const computed = createHash('sha256').update(verifier).digest('base64url');
    if (computed !== grant.challenge) return send(res, 400, { error: 'invalid_grant', hint: 'PKCE' });
  }
  const accessToken = randomBytes(24).toString('hex');
  tokens.set(accessToken, { system, account: grant.account });
  return send(res, 200, { token_type: 'Bearer', expires_in: 14400, access_token: accessToken });
}

function bearer(req, url) {
  const header = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  return tokens.get(header ? header[1] : url.searchParams.get('access_token'));
}

async function lookAlikes(req, res, url) {
  const path = url.pathname;
  if (path === '/w/rest.php/oauth2/authorize') return authorize('mediawiki', req, res, url);
  if (path === '/w/rest.php/oauth2/access_token') return token('mediawiki', req, res);
  if (path === '/w/rest.php/oauth2/resource/profile') {
    const held = bearer(req, url);
    if (!held || held.system !== 'mediawiki') return send(res, 401, { error: 'invalid_token' });
    return send(res, 200, {
      ...held.account,
      editcount: 1,
      confirmed_email: true,
      blocked: false,
      registered: '20200101000000',
      groups: ['*', 'user'],
      rights: ['read'],
      grants: ['basic'],
    });
  }
  if (path === '/oauthserver/auth/') return authorize('phabricator', req, res, url);
  if (path === '/oauthserver/token/') return token('phabricator', req, res);
  if (path === '/api/user.whoami') {
    let held = bearer(req, url);
    if (!held && req.method === 'POST') held = tokens.get((await readForm(req)).get('access_token'));
    if (!held || held.system !== 'phabricator') {
      return send(res, 200, { result: null, error_code: 'ERR-INVALID-AUTH', error_info: 'Access token is invalid.' });
    }
    return send(res, 200, {
      result: { ...held.account, realName: held.account.userName, roles: ['verified', 'approved', 'activated'] },
      error_code: null,
      error_info: null,
    });
  }
  return false;
}

const providerHandler = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if ((await lookAlikes(req, res, url)) === false) providerHandler(req, res);
  } catch (e) {
    console.error(e);
    if (!res.headersSent) send(res, 500, { error: 'server_error' });
  }
});
server.listen(port, args.host, () => {
  console.log(`bitu dev OIDC provider at ${issuer}${args.tamper ? ` (tamper: ${args.tamper})` : ''}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
