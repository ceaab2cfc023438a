/**
 * A real PostgreSQL for tests: a throwaway cluster, and the vitest global
 * setup that gives every test file of a project the database's URL.
 *
 * - `setup` (a vitest `globalSetup`): with `DATABASE_URL` set, the tests use
 *   that database. Otherwise it starts a throwaway cluster (`start`) for the
 *   run and stops and removes it when the run ends. With neither, the
 *   PostgreSQL tests are skipped with a visible warning, except under
 *   `CI=true`, where the run fails: CI never skips them silently. Test files
 *   read the URL with vitest's `inject("databaseUrl")` (`undefined` when
 *   there is no PostgreSQL, outside CI only).
 * - `start`: `initdb` into a temporary directory, `pg_ctl start` on a free
 *   port on 127.0.0.1, one database; `stop()` stops the server and removes
 *   the directory. The binaries come from `LAHETE_POSTGRES_BIN` if set, else
 *   the newest `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql`
 *   package), else the `PATH`; as root they run as the `postgres` user. By
 *   default durability is off (`fsync`, `synchronous_commit` and
 *   `full_page_writes`), which is right for tests; `durable: true` keeps
 *   PostgreSQL's defaults (for benchmarks).
 *
 * This module runs processes (`node:child_process`), so it is exported from
 * the subpath `@lahete/testing/postgres`, not from the package's main entry.
 *
 * @example
 * ```ts
 * // test/support/postgres.ts, named in vitest.config.ts as `globalSetup`
 * import { PostgresTest } from "@lahete/testing/postgres"
 *
 * export default PostgresTest.setup
 *
 * // in a test file
 * import { inject } from "vitest"
 * const databaseUrl = inject("databaseUrl") // string | undefined
 * ```
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL database for the tests; `undefined` when none is available (outside CI only). */
    databaseUrl: string | undefined
  }
}

/**
 * Where Debian's `postgresql` package installs the server binaries, one
 * directory per major version.
 *
 * @since 0.1.0
 * @category constants
 */
export const debianRoot = "/usr/lib/postgresql"

const hasTools = (bin: string) => existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))

/**
 * The PostgreSQL `bin` directory with `initdb` and `pg_ctl`: the one in
 * `LAHETE_POSTGRES_BIN` when set (`undefined` when it lacks them), else the
 * newest `/usr/lib/postgresql/<version>/bin`, else the first `PATH` entry
 * that has both; `undefined` when there is none.
 *
 * @since 0.1.0
 * @category getters
 */
export const findBin = (): string | undefined => {
  const given = process.env.LAHETE_POSTGRES_BIN
  if (given !== undefined && given !== "") return hasTools(given) ? given : undefined
  const onPath = (process.env.PATH ?? "").split(":").find((dir) => dir !== "" && hasTools(dir))
  if (!existsSync(debianRoot)) return onPath
  const versions = readdirSync(debianRoot)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const bin = join(debianRoot, v, "bin")
    if (hasTools(bin)) return bin
  }
  return onPath
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const postgresIds = (): { readonly uid: number; readonly gid: number } => ({
  uid: Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()),
  gid: Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
})

/**
 * Options of `start`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StartOptions {
  /** The database created in the cluster; default `lahete_test`. */
  readonly database?: string
  /** The server's `max_connections`; default 200. */
  readonly maxConnections?: number
  /** Keep PostgreSQL's default durability (`fsync`, `synchronous_commit`); default `false`. */
  readonly durable?: boolean
  /** The bin directory; default `findBin()`. */
  readonly bin?: string
}

/**
 * A running throwaway cluster: its URL (user `postgres`, no password), and
 * `stop`, which stops the server and removes its directory (safe to call
 * more than once).
 *
 * @since 0.1.0
 * @category models
 */
export interface Cluster {
  readonly url: string
  readonly stop: () => void
}

/**
 * What `start` and `setup` say when there is no PostgreSQL: what was looked
 * for.
 *
 * @since 0.1.0
 * @category constants
 */
export const noPostgresNotice = `no PostgreSQL: no DATABASE_URL, and no initdb/pg_ctl in LAHETE_POSTGRES_BIN, ${debianRoot}/*/bin or the PATH`

/**
 * Starts a throwaway cluster (see the module documentation). Rejects when
 * there are no binaries or the cluster does not start (after removing what
 * it made).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: StartOptions = {}): Promise<Cluster> => {
  const bin = options.bin ?? findBin()
  if (bin === undefined) throw new Error(noPostgresNotice)
  const database = options.database ?? "lahete_test"
  const asRoot = process.getuid?.() === 0
  const run = (tool: string, args: ReadonlyArray<string>): string => {
    const command = join(bin, tool)
    return asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8", stdio: "pipe" })
      : execFileSync(command, [...args], { encoding: "utf8", stdio: "pipe" })
  }

  const dir = mkdtempSync(join(tmpdir(), "lahete-pg-"))
  if (asRoot) {
    const { gid, uid } = postgresIds()
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  const port = await freePort()
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      run("pg_ctl", ["-D", data, "-m", options.durable === true ? "fast" : "immediate", "-w", "stop"])
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const settings = [
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    `-p ${port}`,
    `-c max_connections=${options.maxConnections ?? 200}`,
    ...(options.durable === true ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"])
  ]
  try {
    run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
    run("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "-o", settings.join(" "), "start"])
    run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", database])
  } catch (error) {
    stop()
    throw new Error(`could not start the throwaway PostgreSQL cluster: ${String(error)}`)
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/${database}`, stop }
}

/**
 * The vitest global setup (see the module documentation): provides
 * `databaseUrl` to the project's test files and returns the teardown that
 * stops the throwaway cluster.
 *
 * @since 0.1.0
 * @category vitest
 */
export const setup = async (project: TestProject): Promise<(() => void) | undefined> => {
  const url = process.env.DATABASE_URL
  if (url !== undefined && url !== "") {
    project.provide("databaseUrl", url)
    return undefined
  }
  if (findBin() === undefined) {
    if (process.env.CI === "true") {
      throw new Error(`${noPostgresNotice}; under CI the PostgreSQL tests are mandatory`)
    }
    console.warn(`\n[${project.name}] WARNING: ${noPostgresNotice}. The PostgreSQL tests are SKIPPED.\n`)
    project.provide("databaseUrl", undefined)
    return undefined
  }
  const cluster = await start()
  project.provide("databaseUrl", cluster.url)
  return cluster.stop
}
