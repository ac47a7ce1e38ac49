// An independent OpenID4VCI wallet for tests: the ecosystem's client library
// (@openid4vc/openid4vci) does the protocol; this file only holds a key and signs.
//
//   node wallet.mjs '{"offer": "openid-credential-offer://…", "txCode": "123456",
//                     "binding": "did:key" | "jwk", "alg": "EdDSA" | "ES256"}'
//
// Prints one JSON line: {"ok": true, "holder": …, "credential": …, "accessTokenResponse": …}
// or {"ok": false, "stage": …, "error": …}.
import { createHash, randomBytes } from 'node:crypto'
import { Openid4vciClient } from '@openid4vc/openid4vci'
import { clientAuthenticationAnonymous } from '@openid4vc/oauth2'
import { setGlobalConfig } from '@openid4vc/utils'
import * as jose from 'jose'

// The tests serve the issuer over plain HTTP on 127.0.0.1.
setGlobalConfig({ allowInsecureUrls: true })

const args = JSON.parse(process.argv[2])
const alg = args.alg ?? 'EdDSA'
const binding = args.binding ?? 'did:key'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
function base58(bytes) {
  let digits = [0]
  for (const byte of bytes) {
    let carry = byte
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] << 8
      digits[i] = carry % 58
      carry = (carry / 58) | 0
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = (carry / 58) | 0
    }
  }
  let out = ''
  for (const byte of bytes) {
    if (byte !== 0) break
    out += '1'
  }
  return out + digits.reverse().map((d) => BASE58[d]).join('')
}

function didKey(publicJwk) {
  const b64 = (s) => Buffer.from(s, 'base64url')
  if (publicJwk.crv === 'Ed25519') {
    return 'did:key:z' + base58(Buffer.concat([Buffer.from([0xed, 0x01]), b64(publicJwk.x)]))
  }
  // P-256: compressed point (0x02 | 0x03 by the parity of y) behind the p256-pub multicodec.
  const y = b64(publicJwk.y)
  const prefix = Buffer.from([y[y.length - 1] & 1 ? 0x03 : 0x02])
  const point = Buffer.concat([prefix, b64(publicJwk.x)])
  return 'did:key:z' + base58(Buffer.concat([Buffer.from([0x80, 0x24]), point]))
}

const { privateKey, publicKey } = await jose.generateKeyPair(alg, {
  crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  extractable: true,
})
const publicJwk = await jose.exportJWK(publicKey)
const did = didKey(publicJwk)
const holder =
  binding === 'jwk'
    ? 'did:jwk:' + Buffer.from(JSON.stringify(publicJwk)).toString('base64url')
    : did

const signer =
  binding === 'jwk'
    ? { method: 'jwk', alg, publicJwk }
    : { method: 'did', alg, didUrl: `${did}#${did.slice('did:key:'.length)}` }

const client = new Openid4vciClient({
  callbacks: {
    hash: (data, algorithm) =>
      createHash(algorithm.replace('-', '').toLowerCase()).update(data).digest(),
    generateRandom: (length) => randomBytes(length),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (_signer, { header, payload }) => {
      const jwt = await new jose.SignJWT(payload).setProtectedHeader(header).sign(privateKey)
      return { jwt, signerJwk: publicJwk }
    },
  },
})

let stage = 'offer'
try {
  const credentialOffer = await client.resolveCredentialOffer(args.offer)
  stage = 'metadata'
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer)
  stage = 'token'
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode: args.txCode,
  })
  stage = 'nonce'
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata })
  stage = 'proof'
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0]
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId,
    signer,
    nonce,
  })
  stage = 'credential'
  const response = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: { jwt: [jwt] },
  })
  const credentials = response.credentialResponse.credentials ?? []
  console.log(
    JSON.stringify({
      ok: true,
      holder,
      credential: credentials[0]?.credential,
      accessTokenResponse,
      version: issuerMetadata.originalDraftVersion,
    }),
  )
} catch (error) {
  const body = error.errorResponse ?? error.response?.body ?? null
  console.log(JSON.stringify({ ok: false, stage, error: String(error.message), body }))
}
