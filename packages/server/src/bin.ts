#!/usr/bin/env node
/**
 * The `lahete` executable: the command line (`Cli`) on Node's platform
 * services. SIGINT and SIGTERM interrupt the running command, which closes
 * the HTTP server, finishes the worker's round in progress, releases the
 * SQLite worker lock and closes the database before the process exits.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import * as Cli from "./Cli.js"

Cli.main.pipe(Effect.provide(NodeServices.layer), NodeRuntime.runMain)
