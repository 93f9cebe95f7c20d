// Who the page is, kept in localStorage across visits:
// - the anonymous viewer id of the public spectate flow, so a returning viewer asks
//   for the seat it already holds instead of a second one;
// - the wallet sign-in (address and expiry only: the access token itself lives in the
//   HttpOnly molt_access cookie the edge set, out of reach of scripts);
// - the guest agent a person without a wallet plays practice runs as: registered once
//   through POST /api/agents, its API key kept here (a guest key is only worth a
//   practice run, and it stays on this device).
import { api } from "./api.js";

const VIEWER = "molt.viewerId";
const WALLET = "molt.wallet";
const GUEST = "molt.guestKey";

export const viewerId = () => localStorage.getItem(VIEWER);
export const rememberViewer = (id) => localStorage.setItem(VIEWER, id);

export function wallet() {
  const saved = JSON.parse(localStorage.getItem(WALLET) || "null");
  if (saved && Date.parse(saved.expiresAt) > Date.now()) return saved;
  localStorage.removeItem(WALLET);
  return null;
}
export const rememberWallet = (signedIn) => localStorage.setItem(WALLET, JSON.stringify(signedIn));
export const forgetWallet = () => localStorage.removeItem(WALLET);

export async function guestKey({ renew = false } = {}) {
  let key = renew ? null : localStorage.getItem(GUEST);
  if (!key) {
    const suffix = Math.random().toString(36).slice(2, 8);
    key = (await api("POST", "/api/agents", { body: { name: `guest-${suffix}` } })).apiKey;
    localStorage.setItem(GUEST, key);
  }
  return key;
}
