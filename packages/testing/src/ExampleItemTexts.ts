/**
 * Open example item texts for the measure form, so tests and the demos need
 * no licensed text: ONS4 personal wellbeing (Office for National
 * Statistics, the four questions published under the Open Government
 * Licence v3.0), in English as published and in Finnish, Swedish and
 * Northern Sámi as this project's own, unvalidated example translations (a
 * programme that uses ONS4 should use validated translations; the Sámi texts
 * need a native speaker's review). SWEMWBS, WEMWBS and ESIS texts are
 * licensed and never ship with lahete.
 *
 * @since 0.3.0
 */
import type { Instrument } from "@lahete/core"

const scale = (none: string, full: string): Record<string, string> => {
  const out: Record<string, string> = {}
  for (let v = 0; v <= 10; v++) out[String(v)] = v === 0 ? `0 – ${none}` : v === 10 ? `10 – ${full}` : String(v)
  return out
}

/**
 * ONS4's four questions (0 = not at all … 10 = completely) in fi, sv, se
 * and en.
 *
 * @since 0.3.0
 * @category constants
 */
export const ons4: ReadonlyArray<Instrument.ItemTexts> = [
  {
    instrument: "ons4",
    language: "en",
    licence: "ONS personal well-being questions, Open Government Licence v3.0",
    items: {
      "1": "Overall, how satisfied are you with your life nowadays?",
      "2": "Overall, to what extent do you feel that the things you do in your life are worthwhile?",
      "3": "Overall, how happy did you feel yesterday?",
      "4": "Overall, how anxious did you feel yesterday?"
    },
    answers: scale("not at all", "completely")
  },
  {
    instrument: "ons4",
    language: "fi",
    licence: "Example translation of the ONS personal well-being questions (OGL v3.0); not validated",
    items: {
      "1": "Kaiken kaikkiaan, kuinka tyytyväinen olet elämääsi nykyään?",
      "2": "Kaiken kaikkiaan, missä määrin koet, että asiat, joita teet elämässäsi, ovat merkityksellisiä?",
      "3": "Kaiken kaikkiaan, kuinka onnelliseksi tunsit itsesi eilen?",
      "4": "Kaiken kaikkiaan, kuinka ahdistuneeksi tunsit itsesi eilen?"
    },
    answers: scale("ei lainkaan", "täysin")
  },
  {
    instrument: "ons4",
    language: "sv",
    licence: "Example translation of the ONS personal well-being questions (OGL v3.0); not validated",
    items: {
      "1": "Allt som allt, hur nöjd är du med ditt liv nuförtiden?",
      "2": "Allt som allt, i vilken mån känner du att det du gör i livet är meningsfullt?",
      "3": "Allt som allt, hur lycklig kände du dig i går?",
      "4": "Allt som allt, hur orolig kände du dig i går?"
    },
    answers: scale("inte alls", "helt och hållet")
  },
  {
    instrument: "ons4",
    language: "se",
    licence:
      "Example translation of the ONS personal well-being questions (OGL v3.0); not validated, to be reviewed by a native speaker",
    items: {
      "1": "Oppalohkái, man duhtavaš don leat eallimiinat dál?",
      "2": "Oppalohkái, man muddui don dovddat ahte dat maid dagat eallimis leat mearkkašahtti?",
      "3": "Oppalohkái, man lihkolaš don dovdet iežat ikte?",
      "4": "Oppalohkái, man balddonan don dovdet iežat ikte?"
    },
    answers: scale("ii obanassiige", "ollásit")
  }
]
