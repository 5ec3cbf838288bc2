// A real OpenID provider for the end-to-end test (tests/oidc/test_oidc_e2e.py), on 127.0.0.1 only.
// Dev interactions: any login is accepted and becomes the subject; the e-mail is the login up to a "#",
// and what follows it sets email_verified: "#absent" (no claim), "#string" (the string "true"),
// "#unverified" (false), anything else or nothing (true) — so "a@b.fr#2" is another subject, same e-mail.
// PKCE is required.
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OP_CLIENT_ID,
    client_secret: process.env.OP_CLIENT_SECRET,
    redirect_uris: [process.env.OP_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
    id_token_signed_response_alg: 'RS256',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'] },
  findAccount: async (ctx, sub) => {
    const [email, mode] = sub.split('#');
    const claims = { sub, email, given_name: 'Inès', family_name: 'Annuaire' };
    if (mode === 'unverified') claims.email_verified = false;
    else if (mode === 'string') claims.email_verified = 'true';
    else if (mode !== 'absent') claims.email_verified = true;
    return { accountId: sub, claims: async () => claims };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['test-only-cookie-key'] },
});
provider.listen(port, '127.0.0.1', () => console.log(`ready ${issuer}`));
