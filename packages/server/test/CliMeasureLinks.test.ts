/**
 * The measure links in the command line's configuration: a programme that
 * sends them needs the signing secret (LAHETE_MEASURE_LINK_SECRET, kept
 * secret) and the form's address; the form's item texts are checked against
 * their instruments; a misspelt setting is refused with its path; the
 * worker's options carry the key.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Presets } from "@lahete/core"
import { ExampleItemTexts, Fixtures } from "@lahete/testing"
import { Result } from "effect"
import { afterAll } from "vitest"
import * as Cli from "../src/Cli.js"
import * as Config from "../src/Config.js"

const dir = mkdtempSync(join(tmpdir(), "lahete-config-links-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const file = (content: unknown): string => {
  const path = join(dir, `config-${++n}.json`)
  writeFileSync(path, JSON.stringify(content))
  return path
}
const secret = "a measure-link secret of forty characters"
const withLinks = { ...Fixtures.measureLinkProgramme, id: "esimerkki" }
const problems = (r: ReturnType<typeof Config.read>) =>
  Result.isFailure(r) ? r.failure.problems.map((p) => `${p.setting}: ${p.reason}`) : []

describe("measure links in the configuration", () => {
  it("a programme that sends links needs the secret and the form's address", () => {
    const r = Config.read({ file: file({ programmes: [withLinks] }), env: {} })
    expect(problems(r)).toEqual([
      "measureLinks.secret: required: a programme sends measure links (LAHETE_MEASURE_LINK_SECRET)",
      "messages.measureLinkUrl: required: a programme sends measure links"
    ])
  })

  it("with both, the worker signs with the key; the secret never shows", () => {
    const r = Config.read({
      file: file({
        programmes: [withLinks],
        messages: {
          referralUrl: "https://lahete.example.fi/referrals/{referralId}",
          measureLinkUrl: "https://lahete.example.fi/m/{token}"
        },
        measureLinks: { texts: ExampleItemTexts.ons4 }
      }),
      env: { LAHETE_MEASURE_LINK_SECRET: secret }
    })
    if (Result.isFailure(r)) throw new Error(r.failure.message)
    expect(r.success.measureLinks?.texts).toHaveLength(4)
    expect(Cli.workerOptions(r.success).measureLinkKey).toBe(r.success.measureLinks?.key)
    expect(JSON.stringify(r.success)).not.toContain(secret)
  })

  it("a misspelt setting, a short secret and texts that do not fit are refused, each with its path", () => {
    const r = Config.read({
      file: file({
        measureLinks: { secrte: secret, texts: [{ ...ExampleItemTexts.ons4[0], items: { "1": "only one" } }] }
      }),
      env: {}
    })
    expect(problems(r).some((p) => p.startsWith("measureLinks.secrte"))).toBe(true)
    const short = Config.read({ env: { LAHETE_MEASURE_LINK_SECRET: "short" } })
    expect(problems(short).some((p) => p.startsWith("measureLinks.secret"))).toBe(true)
    const texts = Config.read({
      file: file({ measureLinks: { texts: [{ ...ExampleItemTexts.ons4[0], items: { "1": "only one" } }] } }),
      env: {}
    })
    expect(problems(texts)).toEqual(["measureLinks.texts[0]: expected texts for items 1–4, got 1 entries"])
  })

  it("the presets send no links: nothing is required", () => {
    expect(Result.isSuccess(Config.read({ env: {} }))).toBe(true)
    expect(Presets.all.every((p) => p.measureLinks === undefined)).toBe(true)
  })
})
