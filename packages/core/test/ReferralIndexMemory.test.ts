import { ReferralStoreMemory } from "@lahete/core"
import { ReferralIndexTest } from "@lahete/testing"

ReferralIndexTest.suite("memory", ReferralStoreMemory.layer, { numRuns: 60 })
