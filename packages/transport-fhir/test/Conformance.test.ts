import { ReferralTransportTest } from "@lahete/testing"
import { clientAndServer, memoryService, sqliteService } from "./support/layers.js"

// The FHIR client speaking HTTP (transaction Bundles, Task reads and searches, bearer JWTs) to the FHIR server
// on a real port, which runs core's transport over the service: the same suite as every transport.
ReferralTransportTest.suite("FHIR client ↔ server (in-memory store)", clientAndServer(memoryService))
ReferralTransportTest.suite("FHIR client ↔ server (SQLite store)", clientAndServer(sqliteService))
