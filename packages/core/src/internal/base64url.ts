/**
 * Base64url (RFC 4648 §5, no padding) of UTF-8 text: the form of the opaque
 * page cursors (`ReferralIndex`, `DirectoryStore`).
 */

/** The text's UTF-8 bytes in base64url. */
export const encode = (text: string): string => {
  let binary = ""
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
}

/** The text back; throws on what is not base64url of UTF-8 (callers catch it as an invalid cursor). */
export const decode = (text: string): string => {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"))
  return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
}
