/**
 * The transports' replay guard: the guard's key is SHA-256 of the issuer and
 * the `jti`; the memory guard answers as a model of "each token once while it
 * has not expired, at most `capacity` live tokens, never forgetting a live
 * one" over any sequence of claims; a token is still refused at its expiry
 * instant; the capacity's edges; what its error says.
 */
// @ts-nocheck

import { createHash } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import { TokenReplay } from "@lahete/core"
import { Effect, Exit } from "effect"
import * as fc from "fast-check"

const claim = (guard: TokenReplay.Shape, key: string, expiresAt: number, now: number): boolean | "full" => {
  const exit = Effect.runSyncExit(guard.claim(key, expiresAt, now))
  if (Exit.isSuccess(exit)) return exit.value
  const failure = exit.cause.reasons.find((r) => r._tag === "Fail")
  expect(failure?.error._tag).toBe("TokenReplayFailure")
  return "full"
}

describe("TokenReplay.keyOf", () => {
  it("is the SHA-256 of issuer, NUL, jti in lower-case hex: 64 characters", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", maxLength: 30 }),
        fc.string({ unit: "grapheme", maxLength: 300 }),
        async (issuer, jti) => {
          const got = await Effect.runPromise(TokenReplay.keyOf(issuer, jti))
          expect(got).toBe(createHash("sha256").update(`${issuer}\u0000${jti}`, "utf8").digest("hex"))
          expect(got).toMatch(/^[0-9a-f]{64}$/)
        }
      ),
      { numRuns: 300 }
    )
  })

  it.effect("keeps issuer and jti apart: (ab, c) is not (a, bc)", () =>
    Effect.gen(function* () {
      expect(yield* TokenReplay.keyOf("ab", "c")).not.toBe(yield* TokenReplay.keyOf("a", "bc"))
      // a digest with bytes below 0x10 keeps their leading zero
      expect(yield* TokenReplay.keyOf("", "")).toBe(createHash("sha256").update("\u0000").digest("hex"))
    })
  )
})

describe("TokenReplay.memory", () => {
  it("answers as the model over any sequence of claims (the clock never goes back)", () => {
    const step = fc.record({
      key: fc.constantFrom("a", "b", "c", "d", "e"),
      life: fc.integer({ min: 0, max: 20 }),
      advance: fc.constantFrom(0, 0, 1, 2, 5, 10)
    })
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 60 }), (capacity, steps) => {
        const guard = TokenReplay.memory({ capacity })
        const model = new Map<string, number>()
        let now = 0
        for (const { key, life, advance } of steps) {
          now += advance
          const expiresAt = now + life
          const live = (k: string) => model.has(k) && (model.get(k) as number) >= now
          const others = [...model.keys()].filter((k) => k !== key && live(k)).length
          const expected = live(key) ? false : others >= capacity ? "full" : true
          if (expected === true) model.set(key, expiresAt)
          expect(claim(guard, key, expiresAt, now)).toBe(expected)
        }
      }),
      { numRuns: 1000 }
    )
  })

  it("a token is refused up to and at its expiry instant, and accepted again a millisecond after", () => {
    const guard = TokenReplay.memory()
    expect(claim(guard, "k", 1_000, 0)).toBe(true)
    expect(claim(guard, "k", 1_000, 1_000)).toBe(false)
    expect(claim(guard, "k", 2_000, 1_001)).toBe(true)
  })

  it("full, it keeps a token that expires at that very instant (no room for another yet)", () => {
    const guard = TokenReplay.memory({ capacity: 1 })
    expect(claim(guard, "k1", 1_000, 0)).toBe(true)
    expect(claim(guard, "k2", 5_000, 1_000)).toBe("full")
    expect(claim(guard, "k1", 5_000, 1_000)).toBe(false)
    expect(claim(guard, "k2", 5_000, 1_001)).toBe(true)
    expect(claim(guard, "k1", 5_000, 1_002)).toBe("full")
  })

  it("a sweep of every thousandth claim forgets only expired tokens", () => {
    const guard = TokenReplay.memory({ capacity: 5_000 })
    for (let i = 0; i < 2_500; i++) expect(claim(guard, `k${i}`, 1_000 + i, 0)).toBe(true)
    // each of them is still refused at its expiry instant, after the sweeps at the 1000th and 2000th claim
    for (let i = 0; i < 2_500; i++) expect(claim(guard, `k${i}`, 1_000 + i, 1_000 + i)).toBe(false)
  })

  it("the capacity: the default 100 000, a fraction rounded down, and at least one", () => {
    expect(TokenReplay.defaultCapacity).toBe(100_000)
    const holds = (guard: TokenReplay.Shape, max: number) => {
      for (let i = 0; i < max; i++) expect(claim(guard, `k${i}`, 10, 0)).toBe(true)
      expect(claim(guard, "one more", 10, 0)).toBe("full")
    }
    holds(TokenReplay.memory(), 100_000)
    holds(TokenReplay.memory({}), 100_000)
    holds(TokenReplay.memory({ capacity: 2.9 }), 2)
    holds(TokenReplay.memory({ capacity: 0 }), 1)
    holds(TokenReplay.memory({ capacity: -5 }), 1)
  })

  it("its failure says what happened and carries no key", () => {
    const guard = TokenReplay.memory({ capacity: 1 })
    claim(guard, "first-key", 10, 0)
    const e = Effect.runSync(Effect.flip(guard.claim("second-key", 10, 0)))
    expect(e).toBeInstanceOf(TokenReplay.TokenReplayFailure)
    expect(e.detail).toBe("too many tokens in use; try again")
    expect(e.message).toBe("token replay guard: too many tokens in use; try again")
    expect(e.message).not.toContain("first-key")
    expect(e.message).not.toContain("second-key")
  })
})
