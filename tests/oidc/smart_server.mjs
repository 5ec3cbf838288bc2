// A real OAuth 2 authorisation server for the live probe's tests (tests/conformance/test_live.py), on 127.0.0.1
// only: npm `oidc-provider` with one SMART Backend Services client — grant client_credentials, client
// authentication private_key_jwt (ES384 or RS384) with the public keys the test gives (SMART_JWKS) — and access
// tokens issued as JWTs for one resource server, the FHIR stand-in (SMART_RESOURCE), which grants only the scopes
// listed in SMART_SCOPES (others asked are dropped from the token, as a real server narrows them).
// Over HTTPS when SMART_TLS_CERT and SMART_TLS_KEY name PEM files (the tests' own CA signs the certificate).
// A token lives SMART_TOKEN_TTL seconds (300), or the number written in the file SMART_TTL_FILE names when there is
// one, read at each token request: a test makes tokens that really expire mid-run without restarting the server.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import Provider from 'oidc-provider';

const port = Number(process.env.OP_PORT);
const tls = process.env.SMART_TLS_CERT && process.env.SMART_TLS_KEY;
const issuer = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
const resource = process.env.SMART_RESOURCE;

function ttl() {
  const file = process.env.SMART_TTL_FILE;
  try {
    const seconds = Number(readFileSync(file, 'utf8').trim());
    if (seconds > 0) return seconds;
  } catch {
    // no file (or none named): the default
  }
  return Number(process.env.SMART_TOKEN_TTL || 300);
}

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.SMART_CLIENT_ID,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: JSON.parse(process.env.SMART_JWKS),
  }],
  enabledJWA: { clientAuthSigningAlgValues: ['ES384', 'RS384'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async () => ({
        scope: process.env.SMART_SCOPES,
        audience: resource,
        accessTokenTTL: ttl(),
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  cookies: { keys: ['test-only-cookie-key'] },
});
const ready = () => console.log(`ready ${issuer}`);
if (tls) {
  const options = { cert: readFileSync(process.env.SMART_TLS_CERT), key: readFileSync(process.env.SMART_TLS_KEY) };
  https.createServer(options, provider.callback()).listen(port, '127.0.0.1', ready);
} else {
  provider.listen(port, '127.0.0.1', ready);
}
