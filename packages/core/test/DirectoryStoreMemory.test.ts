import { DirectoryStore } from "@lahete/core"
import { DirectoryStoreTest } from "@lahete/testing"

DirectoryStoreTest.suite("memory", DirectoryStore.layerMemory())
