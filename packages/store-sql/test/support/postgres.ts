/**
 * Vitest global setup: a real PostgreSQL for the PostgreSQL suites.
 *
 * With `DATABASE_URL` set, the suites use that database. Otherwise this
 * starts a throwaway cluster from the PostgreSQL binaries in
 * `LAHETE_POSTGRES_BIN` if set, else the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian), else `initdb` on the `PATH`
 * (`initdb` into a temporary directory,
 * `pg_ctl start` on a free port on 127.0.0.1 with `fsync=off`, one database),
 * and stops and removes it when the run ends. As root the binaries run as the
 * `postgres` user.
 *
 * With neither, the PostgreSQL suites are skipped with a notice, except under
 * `CI=true`, where that is an error: CI never skips them silently.
 *
 * The suites read the URL with `inject("databaseUrl")`.
 */
import { execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL database for the suites; `undefined` when none is available (outside CI only). */
    databaseUrl: string | undefined
  }
}

const root = "/usr/lib/postgresql"

const hasTools = (bin: string) => existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))

/** The PostgreSQL `bin` directory with `initdb` and `pg_ctl`, if any. */
const findBin = (): string | undefined => {
  const given = process.env.LAHETE_POSTGRES_BIN
  if (given !== undefined && given !== "") return hasTools(given) ? given : undefined
  const onPath = (process.env.PATH ?? "").split(":").find((dir) => dir !== "" && hasTools(dir))
  if (!existsSync(root)) return onPath
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
  for (const v of versions) {
    const bin = join(root, v, "bin")
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

const postgresUid = (): { uid: number; gid: number } => {
  const out = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim()
  const gid = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim()
  return { uid: Number(out), gid: Number(gid) }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const url = process.env.DATABASE_URL
  if (url !== undefined && url !== "") {
    project.provide("databaseUrl", url)
    return undefined
  }
  const bin = findBin()
  if (bin === undefined) {
    const notice = `no PostgreSQL: no DATABASE_URL, and no initdb/pg_ctl in LAHETE_POSTGRES_BIN, ${root}/*/bin or the PATH`
    if (process.env.CI === "true") {
      throw new Error(`${notice}; under CI the PostgreSQL suites are mandatory`)
    }
    console.warn(`\n[@lahete/store-sql] WARNING: ${notice}. The PostgreSQL suites are SKIPPED.\n`)
    project.provide("databaseUrl", undefined)
    return undefined
  }

  const asRoot = process.getuid?.() === 0
  const run = (tool: string, args: ReadonlyArray<string>): string => {
    const command = join(bin, tool)
    return asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8", stdio: "pipe" })
      : execFileSync(command, [...args], { encoding: "utf8", stdio: "pipe" })
  }

  const dir = mkdtempSync(join(tmpdir(), "lahete-pg-"))
  if (asRoot) {
    const { gid, uid } = postgresUid()
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  const port = await freePort()
  const stop = () => {
    try {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"])
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"])
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
      "start"
    ])
    run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "lahete_test"])
  } catch (error) {
    stop()
    throw new Error(`could not start the throwaway PostgreSQL cluster: ${String(error)}`)
  }
  project.provide("databaseUrl", `postgres://postgres@127.0.0.1:${port}/lahete_test`)
  return stop
}
