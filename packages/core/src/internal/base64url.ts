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

/**
 * The JSON array a page cursor carries, or `undefined` for anything that is
 * not one: too long, not base64url, not UTF-8, not JSON, not an array. Each
 * kind of cursor then checks its own elements.
 */
export const cursorArray = (cursor: string): ReadonlyArray<unknown> | undefined => {
  if (cursor.length > 600 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
  try {
    const value: unknown = JSON.parse(decode(cursor))
    return Array.isArray(value) ? value : undefined
  } catch {
    return undefined
  }
}
