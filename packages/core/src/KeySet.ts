/**
 * Checks of a registered JSON Web Key set (RFC 7517) when configuration is
 * loaded, before any token is verified against it: a set that would lock an
 * organisation out at the first token (two keys under one `kid`, which a
 * verifier cannot choose between), or let the wrong keys in (a private key
 * or a shared secret where public keys belong, a key for encryption, a key
 * that fits none of the accepted algorithms), stops the transport from
 * starting with a message naming the key, never its material.
 *
 * The checks are structural (no cryptography), so every transport and the
 * server run the same ones; a transport may also import each key.
 *
 * @since 0.2.0
 */

/**
 * The algorithms a key of this type and curve can verify (`undefined`: a
 * key type this library does not accept).
 */
const algorithmsOf = (key: Record<string, unknown>): ReadonlyArray<string> | undefined => {
  switch (key.kty) {
    case "EC":
      return key.crv === "P-256"
        ? ["ES256"]
        : key.crv === "P-384"
          ? ["ES384"]
          : key.crv === "P-521"
            ? ["ES512"]
            : undefined
    case "OKP":
      return key.crv === "Ed25519" ? ["EdDSA", "Ed25519"] : undefined
    case "RSA":
      return ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"]
    default:
      return undefined
  }
}

/** The members of a JWK that only a private or secret key has. */
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const

/** The members a public key of the type needs. */
const publicMembers: Readonly<Record<string, ReadonlyArray<string>>> = { EC: ["x", "y"], OKP: ["x"], RSA: ["n", "e"] }

const describe = (key: unknown, index: number): string =>
  key !== null && typeof key === "object" && typeof (key as { kid?: unknown }).kid === "string"
    ? `key "${String((key as { kid: string }).kid).slice(0, 128)}"`
    : `key #${index + 1} (no kid)`

/**
 * The problems of a key set, each naming the key (`key "<kid>"`, or its
 * position when it has no `kid`) and what is wrong; empty when the set is
 * usable with the accepted `algorithms`.
 *
 * @since 0.2.0
 * @category validation
 */
export const problems = (
  set: unknown,
  options: { readonly algorithms: ReadonlyArray<string> }
): ReadonlyArray<string> => {
  const keys: unknown = set !== null && typeof set === "object" ? (set as { keys?: unknown }).keys : undefined
  if (!Array.isArray(keys)) return ["is not a JSON Web Key set ({ keys: [...] })"]
  if (keys.length === 0) return ["has no keys"]
  const out: Array<string> = []
  const seen = new Map<string, number>()
  keys.forEach((key: unknown, index) => {
    const name = describe(key, index)
    if (key === null || typeof key !== "object" || Array.isArray(key)) {
      out.push(`${name} is not a JSON Web Key`)
      return
    }
    const jwk = key as Record<string, unknown>
    if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || jwk.kid === "")) {
      out.push(`${name} has a kid that is not a non-empty string`)
    } else if (typeof jwk.kid === "string") {
      const first = seen.get(jwk.kid)
      if (first !== undefined) {
        out.push(`${name} is registered twice (keys #${first + 1} and #${index + 1}): a kid must be unique`)
      } else seen.set(jwk.kid, index)
    } else if (keys.length > 1) {
      out.push(`${name}: every key of a set with several keys needs a kid`)
    }
    if (privateMembers.some((m) => m in jwk)) {
      out.push(
        jwk.kty === "oct"
          ? `${name} is a shared secret: register public keys only`
          : `${name} is a private key: register public keys only`
      )
      return
    }
    const fits = algorithmsOf(jwk)
    if (fits === undefined) {
      out.push(`${name} has a key type this library does not accept (EC P-256/384/521, OKP Ed25519, RSA)`)
      return
    }
    const missing = (publicMembers[String(jwk.kty)] ?? []).filter((m) => typeof jwk[m] !== "string")
    if (missing.length > 0) out.push(`${name} lacks its public key (${missing.join(", ")})`)
    if (jwk.use !== undefined && jwk.use !== "sig") out.push(`${name} is not a signing key (use is not "sig")`)
    if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes("verify")) {
      out.push(`${name} is not a verification key (key_ops has no "verify")`)
    }
    if (jwk.alg !== undefined) {
      if (typeof jwk.alg !== "string" || !fits.includes(jwk.alg)) {
        out.push(`${name} has an alg that does not match its key type`)
      } else if (!options.algorithms.includes(jwk.alg)) {
        out.push(`${name} has an alg that is not accepted (${options.algorithms.join(", ")})`)
      }
    } else if (!fits.some((a) => options.algorithms.includes(a))) {
      out.push(`${name} fits none of the accepted algorithms (${options.algorithms.join(", ")})`)
    }
    // a modulus under 2048 bits: 342 base64url characters
    if (jwk.kty === "RSA" && typeof jwk.n === "string" && jwk.n.length < 342) {
      out.push(`${name} is an RSA key shorter than 2048 bits`)
    }
  })
  return out
}
