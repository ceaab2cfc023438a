/**
 * The transport conformance suite over real HTTP: the client (fetch) talks
 * to the inbox served by a Node HTTP server on a free port, over the
 * in-memory store and over the SQL store on SQLite.
 */
import { ReferralTransportTest } from "@lahete/testing"
import { memoryServices, overHttp, sqliteServices } from "./support/layers.js"

ReferralTransportTest.suite("ekollega over HTTP (memory store)", overHttp(memoryServices))
ReferralTransportTest.suite("ekollega over HTTP (SQLite store)", overHttp(sqliteServices))
