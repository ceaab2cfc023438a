/**
 * `pnpm start`: runs the walk (`walk.ts`) against PostgreSQL and writes the
 * evaluation report to `examples/sodankyla/.data/` (or `--out DIR`).
 *
 * - `DATABASE_URL=postgres://user:password@host:5432/db`: your own
 *   PostgreSQL. The example works in the schema `lahete_example_sodankyla`
 *   (or `--schema NAME`), which it drops and creates again at the start of
 *   every run, and leaves in place afterwards for you to look at.
 * - without `DATABASE_URL`: a throwaway PostgreSQL cluster, started from the
 *   server binaries on this machine the way the tests start one
 *   (`@lahete/testing/postgres`), and removed at the end.
 */
import { resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { PostgresTest } from "@lahete/testing/postgres"
import { Effect } from "effect"
import * as Setup from "./setup.js"
import * as Walk from "./walk.js"

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at < 0 ? undefined : process.argv[at + 1]
}

// a relative --out is taken from where the command was typed (pnpm runs the script in this package's folder)
const outArgument = argument("--out")
const out =
  outArgument === undefined
    ? fileURLToPath(new URL("../.data", import.meta.url))
    : resolve(process.env.INIT_CWD ?? process.cwd(), outArgument)
const schema = argument("--schema") ?? "lahete_example_sodankyla"
const databaseUrl = process.env.DATABASE_URL ?? ""

/** The database URL: yours, or a throwaway cluster's (stopped however the process ends). */
const connect = async (): Promise<string | undefined> => {
  if (databaseUrl !== "") return databaseUrl
  try {
    const cluster = await PostgresTest.start({ database: "lahete_example" })
    process.once("exit", cluster.stop)
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => process.exit(130))
    console.log(`No DATABASE_URL: started a throwaway PostgreSQL cluster (${cluster.url}); it is removed at the end.`)
    return cluster.url
  } catch (error) {
    console.error(
      `No DATABASE_URL, and no throwaway cluster: ${error instanceof Error ? error.message : String(error)}`
    )
    console.error("Set DATABASE_URL=postgres://user:password@host:5432/db to use your own PostgreSQL.")
    return undefined
  }
}

if (!Setup.isSchemaName(schema)) {
  console.error(`--schema: expected lower-case letters, digits and _ (got ${JSON.stringify(schema)})`)
  process.exitCode = 2
} else {
  const url = await connect()
  if (url === undefined) {
    process.exitCode = 1
  } else {
    const started = performance.now()
    await Effect.runPromise(Walk.run({ database: { url, schema }, out })).then(
      (outcome) => {
        const seconds = ((performance.now() - started) / 1000).toFixed(1)
        console.log(`\nDone in ${seconds} s: ${outcome.steps.length} steps; the report is in ${out}.`)
        if (outcome.refused.length > 0) process.exitCode = 1
      },
      (error: unknown) => {
        console.error(`\nThe example stopped: ${error instanceof Error ? error.message : String(error)}`)
        process.exitCode = 1
      }
    )
  }
}
