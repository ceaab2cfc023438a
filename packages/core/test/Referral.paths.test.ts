import { describe, expect, it } from "@effect/vitest"
import { Lifecycle } from "@lahete/core"
import { Fixtures } from "@lahete/testing"

describe("fixture paths", () => {
  it.each(Lifecycle.states)("reaches %s", (status) => {
    const { state } = Fixtures.history(Fixtures.pathTo[status]())
    expect(state.status).toBe(status)
  })
})
