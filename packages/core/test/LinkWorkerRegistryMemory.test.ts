import { LinkWorkerRegistry } from "@lahete/core"
import { LinkWorkerRegistryTest } from "@lahete/testing"

LinkWorkerRegistryTest.suite("memory", LinkWorkerRegistry.layerMemory())
