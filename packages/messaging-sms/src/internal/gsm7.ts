/**
 * The GSM 03.38 alphabet (3GPP TS 23.038): its basic character set and the
 * extension table reached with an escape. A text made only of these
 * characters goes out in GatewayAPI's default encoding; any other character
 * (e.g. Northern Sámi á č đ ŋ š ŧ ž, emoji) needs `encoding: "UCS2"`, or the
 * provider would replace it.
 *
 * @internal
 */

const basic =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

const extension = "\f^{}\\[~]|€"

const alphabet: ReadonlySet<string> = new Set([...basic, ...extension])

/** Whether every character of `text` is in the GSM 03.38 alphabet. */
export const isGsm7 = (text: string): boolean => {
  for (const char of text) {
    if (!alphabet.has(char)) return false
  }
  return true
}
