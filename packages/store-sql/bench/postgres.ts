/**
 * A throwaway PostgreSQL cluster for the benchmark, like the tests'
 * (`test/support/postgres.ts`) but with PostgreSQL's default durability:
 * `fsync` and `synchronous_commit` stay on, so a commit waits for the disk as
 * in production (the tests switch both off for speed). The binaries come from
 * `LAHETE_POSTGRES_BIN`, else the newest `/usr/lib/postgresql/<version>/bin`,
 * else the `PATH`; as root they run as the `postgres` user.
 */
import { execFileSync } from "node:child_process"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

const root = "/usr/lib/postgresql"

const hasTools = (bin: string) => existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))

/** The PostgreSQL `bin` directory with `initdb` and `pg_ctl`, if any. */
export const findBin = (): string | undefined => {
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

/** A running cluster: its URL and how to stop and remove it. */
export interface Cluster {
  readonly url: string
  readonly stop: () => void
}

/** Starts a cluster in a temporary directory (`undefined` when there are no binaries). */
export const start = async (options: { readonly maxConnections: number }): Promise<Cluster | undefined> => {
  const bin = findBin()
  if (bin === undefined) return undefined
  const asRoot = process.getuid?.() === 0
  const run = (tool: string, args: ReadonlyArray<string>): string => {
    const command = join(bin, tool)
    return asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", command, ...args], { encoding: "utf8", stdio: "pipe" })
      : execFileSync(command, [...args], { encoding: "utf8", stdio: "pipe" })
  }
  const dir = mkdtempSync(join(tmpdir(), "lahete-bench-pg-"))
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim())
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, "data")
  const port = await freePort()
  const stop = () => {
    try {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
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
      `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} -c max_connections=${options.maxConnections + 10}`,
      "start"
    ])
    run("createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "lahete_bench"])
  } catch (error) {
    stop()
    throw new Error(`could not start the throwaway PostgreSQL cluster: ${String(error)}`)
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/lahete_bench`, stop }
}
