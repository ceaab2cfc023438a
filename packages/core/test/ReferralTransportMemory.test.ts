import { ReferralService, ReferralTransport } from "@lahete/core"
import { ReferralTransportTest } from "@lahete/testing"
import { Layer } from "effect"

ReferralTransportTest.suite("memory", ReferralTransport.layer.pipe(Layer.provideMerge(ReferralService.layerMemory())))
