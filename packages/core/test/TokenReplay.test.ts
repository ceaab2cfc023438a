import { describe, expect, it } from "@effect/vitest"
import { TokenReplay } from "@lahete/core"
import { Effect } from "effect"

describe("TokenReplay.memory", () => {
  it.effect("a token is accepted once until it expires; keys are per issuer and jti", () =>
    Effect.gen(function* () {
      const guard = TokenReplay.memory()
      const a = yield* TokenReplay.keyOf("kemijarvi", "jti-1")
      const b = yield* TokenReplay.keyOf("sodankyla", "jti-1")
      expect(a).toMatch(/^[0-9a-f]{64}$/)
      expect(b).not.toBe(a)
      expect(yield* guard.claim(a, 1_000, 0)).toBe(true)
      expect(yield* guard.claim(a, 1_000, 999)).toBe(false)
      expect(yield* guard.claim(b, 1_000, 999)).toBe(true)
      // once expired, the entry no longer counts (the verifier refuses the expired token anyway)
      expect(yield* guard.claim(a, 2_000, 1_001)).toBe(true)
    })
  )

  it.effect("full of live tokens it refuses a new one (TokenReplayFailure) rather than forget a live one", () =>
    Effect.gen(function* () {
      const guard = TokenReplay.memory({ capacity: 3 })
      for (const k of ["k1", "k2", "k3"]) expect(yield* guard.claim(k, 1_000, 0)).toBe(true)
      const full = yield* Effect.flip(guard.claim("k4", 1_000, 10))
      expect(full._tag).toBe("TokenReplayFailure")
      // the live ones are still refused as replays
      expect(yield* guard.claim("k1", 1_000, 10)).toBe(false)
      // once they expired there is room again
      expect(yield* guard.claim("k4", 3_000, 1_001)).toBe(true)
    })
  )
})
