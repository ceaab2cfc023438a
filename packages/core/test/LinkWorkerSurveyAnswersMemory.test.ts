import { LinkWorkerSurveyAnswers } from "@lahete/core"
import { LinkWorkerSurveyAnswersTest } from "@lahete/testing"

LinkWorkerSurveyAnswersTest.suite("memory", LinkWorkerSurveyAnswers.layerMemory)
