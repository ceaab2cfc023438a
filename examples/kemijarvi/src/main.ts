/**
 * `pnpm demo`: runs the walk (`walk.ts`) in `examples/kemijarvi/.data/`, or
 * in the folder given with `--data DIR`. Every run starts clean: the files
 * of the previous run are replaced.
 */
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import * as Walk from "./walk.ts"

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}

// a relative --data is taken from where the command was typed (pnpm runs the script in this package's folder)
const given = argument("--data")
const dir =
  given === undefined
    ? fileURLToPath(new URL("../.data", import.meta.url))
    : resolve(process.env.INIT_CWD ?? process.cwd(), given)
const started = performance.now()

Effect.runPromise(Walk.run({ dir })).then(
  (outcome) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    console.log(`\nDone in ${seconds} s: ${outcome.steps.length} steps, ${outcome.referrals} referrals.`)
    if (outcome.refused.length > 0) process.exitCode = 1
  },
  (error: unknown) => {
    console.error(`\nThe demo stopped: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  }
)
